using System.CommandLine;
using Strata.Cli.Commands;

namespace Strata.Cli;

/// <summary>The <c>strata</c> command tree (shared by Program and the tests).</summary>
public static class StrataCli
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("strata — a tensor compiler for .NET");
        root.Options.Add(CliOptions.Verbose);
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ConformanceCommand.Create());
        root.Subcommands.Add(OpsCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(CompileCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(TargetCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }

    /// <summary>Runs the CLI with the given writers (null: the console).</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var config = new InvocationConfiguration();
        if (output is not null) config.Output = output;
        if (error is not null) config.Error = error;
        return CreateRootCommand().Parse(args).Invoke(config);
    }
}
