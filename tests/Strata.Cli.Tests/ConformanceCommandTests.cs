using System.CommandLine;
using Strata.Cli;
using Strata.Cli.Commands;

namespace Strata.Cli.Tests;

public sealed class ConformanceCommandTests
{
    private static string? NodeDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Strata.slnx")))
            {
                var node = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance", "onnx", "node"));
                return Directory.Exists(node) ? node : null;
            }
        return null;
    }

    private static (int Exit, string Output) Run(params string[] args)
    {
        var root = new RootCommand();
        root.Options.Add(CliOptions.Verbose);
        root.Subcommands.Add(ConformanceCommand.Create());
        var output = new StringWriter();
        int exit = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = new StringWriter() });
        return (exit, output.ToString());
    }

    [Fact]
    public void PrintsFailuresAndSummary_AndHonoursExpectedFailures()
    {
        if (NodeDir() is not { } dir) return;
        var tmp = Path.GetTempFileName();
        var report = Path.GetTempFileName();
        try
        {
            // An op no helper implements: the test fails with UnsupportedOp.
            File.WriteAllText(tmp, "# list\n");
            var (exit, text) = Run("conformance", dir, "--filter", "^test_image_decoder_decode_bmp_rgb$", "--expected-failures", tmp, "--report", report);
            var lines = text.TrimEnd().Split('\n');
            Assert.StartsWith("FAIL test_image_decoder_decode_bmp_rgb: E1002", lines[0]);
            Assert.Equal("0 passed, 1 failed, 0 skipped", lines[^1].TrimEnd());
            Assert.Equal(1, exit);
            Assert.Contains("test_image_decoder_decode_bmp_rgb\tImageDecoder\tfailed\tE1002", File.ReadAllText(report));

            File.WriteAllText(tmp, "test_image_decoder_decode_bmp_rgb\tImageDecoder not implemented\n");
            (exit, text) = Run("conformance", dir, "--filter", "^test_image_decoder_decode_bmp_rgb$", "--expected-failures", tmp);
            Assert.Equal(0, exit);
            Assert.Contains("XFAIL test_image_decoder_decode_bmp_rgb", text);
        }
        finally
        {
            File.Delete(tmp);
            File.Delete(report);
        }
    }

    [Fact]
    public void BadArguments_AreReported()
    {
        Assert.Equal(CliErrors.BadInput, Run("conformance", "/nonexistent/dir").Exit);
        Assert.Equal(CliErrors.BadInput, Run("conformance", ".", "--level", "nope").Exit);
        Assert.Equal(CliErrors.BadInput, Run("conformance", ".", "--filter", "(").Exit);
    }
}
