using System.CommandLine;
using Strata.Cli;
using Strata.Cli.Commands;

var root = new RootCommand("strata — a tensor compiler for .NET");
root.Options.Add(CliOptions.Verbose);
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ConformanceCommand.Create());
root.Subcommands.Add(OpsCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
return root.Parse(args).Invoke();
