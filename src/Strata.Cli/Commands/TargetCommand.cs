using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Core;

namespace Strata.Cli.Commands;

/// <summary><c>strata target [--measure] [--json]</c>: the host target (ISA, vector width and registers, FMA, cores,
/// whether its full-width FMAs are double-pumped, caches, measured peak and bandwidth) and the named targets kernels can be compiled and emulated for.</summary>
public static class TargetCommand
{
    public static Command Create()
    {
        var measure = new Option<bool>("--measure") { Description = "Measure the fp32 FMA peak of one core and the memory bandwidth (about a second) and cache them for this machine" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var cmd = new Command("target", "Describe this machine as a compile target, and list the known targets") { measure, json };
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var cache = TargetCache.Default;
            var host = parse.GetValue(measure) ? TargetProbe.MeasureHost(cache) : TargetProbe.DetectHost(cache);
            string cpu = CpuInfo.ModelName();
            string? measuredAt = cache.Lookup(TargetCache.Key(cpu, host))?.MeasuredAt;
            output.Write(parse.GetValue(json) ? Json(host, cpu, measuredAt) : Text(host, cpu, measuredAt, cache));
            return 0;
        }));
        return cmd;
    }

    public static string Text(Target host, string cpu, string? measuredAt, TargetCache cache)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"host: {host.Name} ({cpu})");
        w.WriteLine($"  isa:       {IsaName(host.Isa)}, {host.VectorBits}-bit vectors, {host.VectorRegisters} vector registers, FMA {(host.HasFma ? "yes" : "no")}{(host.DoublePumped ? $", double-pumped at {host.VectorBits} bits (the FMA throughput of {host.VectorBits / 2}-bit vectors)" : "")}");
        w.WriteLine($"  cores:     {host.Cores}");
        w.WriteLine($"  caches:    L1d {Bytes(host.L1Bytes)}, L2 {Bytes(host.L2Bytes)}, L3 {Bytes(host.L3Bytes)}");
        if (host.PeakGflops > 0 || host.BandwidthGBs > 0)
        {
            w.WriteLine($"  peak:      {host.PeakGflops:F1} GFLOP/s fp32 FMA, one core");
            w.WriteLine($"  bandwidth: {host.BandwidthGBs:F1} GB/s memory read");
            w.WriteLine($"  measured:  {measuredAt ?? "now"} (cached in {cache.FilePath})");
        }
        else
            w.WriteLine("  peak, bandwidth: not measured (run strata target --measure)");
        w.WriteLine("known targets (--target NAME; --level machine emulates any of them):");
        foreach (var t in Target.Known)
            w.WriteLine($"  {t.Name,-14} {IsaName(t.Isa),-7} {t.VectorBits,3}-bit vectors, {t.VectorRegisters,2} registers, FMA {(t.HasFma ? "yes" : "no ")}, "
                + $"f32 lanes {t.Lanes(DataType.Float32),2}{(TargetSupport.RunsNatively(t) ? "; runs natively here" : "")}");
        w.WriteLine($"  {"NAME-dp",-14} the same, its full-width FMAs double-pumped (Zen 4's AVX-512: kernels may use half-width vectors)");
        return w.ToString();
    }

    public static string Json(Target host, string cpu, string? measuredAt)
    {
        var root = new JsonObject
        {
            ["host"] = TargetJson(host, cpu, measuredAt),
            ["known"] = new JsonArray(Target.Known.Select(t => (JsonNode)TargetJson(t, null, null)).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;
    }

    private static JsonObject TargetJson(Target t, string? cpu, string? measuredAt)
    {
        var o = new JsonObject { ["name"] = t.Name };
        if (cpu is not null) o["cpu"] = cpu;
        o["isa"] = IsaName(t.Isa);
        o["vectorBits"] = t.VectorBits;
        o["vectorRegisters"] = t.VectorRegisters;
        o["fma"] = t.HasFma;
        o["doublePumped"] = t.DoublePumped;
        o["cores"] = t.Cores;
        o["l1Bytes"] = t.L1Bytes;
        o["l2Bytes"] = t.L2Bytes;
        o["l3Bytes"] = t.L3Bytes;
        o["peakGflops"] = Math.Round(t.PeakGflops, 2);
        o["bandwidthGBs"] = Math.Round(t.BandwidthGBs, 2);
        if (measuredAt is not null) o["measuredAt"] = measuredAt;
        o["runsNatively"] = TargetSupport.RunsNatively(t);
        return o;
    }

    private static string IsaName(Isa isa) => isa switch
    {
        Isa.Avx512 => "avx512",
        Isa.Avx2 => "avx2",
        Isa.V128 => "v128",
        _ => "scalar",
    };

    private static string Bytes(long b) =>
        b >= 1 << 20 && b % (1 << 20) == 0 ? $"{b >> 20} MiB" : b >= 1 << 10 && b % (1 << 10) == 0 ? $"{b >> 10} KiB" : $"{b} B";
}
