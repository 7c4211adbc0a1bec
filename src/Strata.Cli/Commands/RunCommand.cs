using System.CommandLine;

namespace Strata.Cli.Commands;

public static class RunCommand
{
    public static Command Create()
    {
        var cmd = new Command("run", "TODO");
        cmd.SetAction(parse => CliErrors.Run(parse, () => 0));
        return cmd;
    }
}
