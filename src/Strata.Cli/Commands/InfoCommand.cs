using System.CommandLine;

namespace Strata.Cli.Commands;

public static class InfoCommand
{
    public static Command Create()
    {
        var cmd = new Command("info", "TODO");
        cmd.SetAction(parse => CliErrors.Run(parse, () => 0));
        return cmd;
    }
}
