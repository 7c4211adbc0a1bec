using System.CommandLine;

namespace Strata.Cli.Commands;

public static class ConformanceCommand
{
    public static Command Create()
    {
        var cmd = new Command("conformance", "TODO");
        cmd.SetAction(parse => CliErrors.Run(parse, () => 0));
        return cmd;
    }
}
