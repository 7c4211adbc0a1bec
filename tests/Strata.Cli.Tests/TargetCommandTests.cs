using System.Text.Json;
using Strata.Core;

namespace Strata.Cli.Tests;

/// <summary><c>strata target</c>: the host and the known targets, as text and as JSON.</summary>
public sealed class TargetCommandTests
{
    [Fact]
    public void Text_DescribesHost_AndListsEveryKnownTarget()
    {
        var (exit, stdout, stderr) = CliHarness.Run("target");
        Assert.True(exit == 0, stderr);
        var host = TargetCatalog.Host;
        Assert.StartsWith($"host: {host.Name} (", stdout);
        Assert.Contains($"cores:     {Environment.ProcessorCount}", stdout);
        Assert.Contains("caches:    L1d ", stdout);
        foreach (var t in Target.Known) Assert.Contains($"  {t.Name} ", stdout);
        Assert.Equal(host.DoublePumped, stdout.Contains(", double-pumped at 512 bits", StringComparison.Ordinal));
        Assert.Contains("; runs natively here", stdout);
    }

    [Fact]
    public void Json_HasTheHostsFields_AndTheKnownTargets()
    {
        var (exit, stdout, stderr) = CliHarness.Run("target", "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var host = doc.RootElement.GetProperty("host");
        Assert.Equal(TargetCatalog.Host.Name, host.GetProperty("name").GetString());
        Assert.Equal(TargetCatalog.Host.VectorBits, host.GetProperty("vectorBits").GetInt32());
        Assert.Equal(TargetCatalog.Host.DoublePumped, host.GetProperty("doublePumped").GetBoolean());
        Assert.Equal(Environment.ProcessorCount, host.GetProperty("cores").GetInt32());
        Assert.True(host.GetProperty("runsNatively").GetBoolean());
        Assert.True(host.GetProperty("l1Bytes").GetInt64() > 0);
        Assert.Equal(Target.Known.Select(t => t.Name), doc.RootElement.GetProperty("known").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        // The scalar target runs anywhere.
        Assert.True(doc.RootElement.GetProperty("known").EnumerateArray().Last().GetProperty("runsNatively").GetBoolean());
    }
}
