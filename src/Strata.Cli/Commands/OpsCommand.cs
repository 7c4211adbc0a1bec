using System.CommandLine;
using Strata.Graph;

namespace Strata.Cli.Commands;

/// <summary><c>strata ops</c>: lists the registered operators and the plugin that registered each.</summary>
public static class OpsCommand
{
    public static Command Create()
    {
        var cmd = new Command("ops", "List the operators this build supports");
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var registry = OpRegistry.Default;
            var keys = registry.Extensions.All<IOpDefinition>().Select(kv => kv.Key).ToList();
            foreach (var key in keys)
                output.WriteLine($"{key,-40} {registry.Extensions.RegisteredBy<IOpDefinition>(key)}");
            output.WriteLine($"{keys.Count} operators");
            return 0;
        }));
        return cmd;
    }
}
