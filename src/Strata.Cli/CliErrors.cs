using System.CommandLine;
using Strata.Core;

namespace Strata.Cli;

/// <summary>Runs a command body and turns errors into one line on stderr and a non-zero exit code.</summary>
public static class CliErrors
{
    /// <summary>Exit code for bad input (a <see cref="StrataException"/>).</summary>
    public const int BadInput = 2;

    /// <summary>Exit code for an internal error (a bug in Strata).</summary>
    public const int InternalError = 3;

    public static int Run(ParseResult parse, Func<int> body)
    {
        bool verbose = parse.GetValue(CliOptions.Verbose);
        try
        {
            return body();
        }
        catch (StrataException e)
        {
            Console.Error.WriteLine(e.ToDiagnosticString());
            if (verbose) Console.Error.WriteLine(e.InnerException?.ToString() ?? e.StackTrace);
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error E{(int)ErrorCode.FileNotFound:D4}: {e.Message}");
            if (verbose) Console.Error.WriteLine(e);
            return BadInput;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"internal error: {e.GetType().Name}: {e.Message} (this is a bug in strata; rerun with --verbose for the stack trace)");
            if (verbose) Console.Error.WriteLine(e);
            return InternalError;
        }
    }
}
