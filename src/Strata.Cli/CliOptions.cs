using System.CommandLine;

namespace Strata.Cli;

/// <summary>Options shared by every command.</summary>
public static class CliOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print stack traces with errors",
        Recursive = true,
    };
}
