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

    public static int Run(ParseResult parse, Func<TextWriter, int> body)
    {
        bool verbose = parse.GetValue(CliOptions.Verbose);
        var err = parse.InvocationConfiguration.Error;
        try
        {
            return body(parse.InvocationConfiguration.Output);
        }
        catch (StrataException e)
        {
            err.WriteLine(e.ToDiagnosticString());
            if (verbose) err.WriteLine(e.InnerException?.ToString() ?? e.StackTrace);
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            err.WriteLine($"error E{(int)ErrorCode.FileNotFound:D4}: {e.Message}");
            if (verbose) err.WriteLine(e);
            return BadInput;
        }
        catch (Exception e)
        {
            err.WriteLine($"internal error: {e.GetType().Name}: {e.Message} (this is a bug in strata; rerun with --verbose for the stack trace)");
            if (verbose) err.WriteLine(e);
            return InternalError;
        }
    }
}
