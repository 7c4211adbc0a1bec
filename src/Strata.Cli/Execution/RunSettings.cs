using System.CommandLine;
using Strata.Core;

namespace Strata.Cli.Execution;

/// <summary>The level a model runs at and its options: <c>--level</c>, <c>--threads</c>, <c>--checked</c>,
/// <c>--target</c> (shared by <c>run</c> and <c>bench</c>), validated before anything is compiled.</summary>
public sealed record RunSettings(string Level, int Threads, bool Checked, Target Target, string? DumpDirectory = null, bool VerifyEach = false,
    string? LoweringOff = null)
{
    /// <summary>Every level, lowest IR first: the reference interpreter, the three compiler levels run by their
    /// interpreters, and native code.</summary>
    public static readonly string[] Levels = ["graph", "tile", "block", "machine", "native"];

    /// <summary>The levels that compile for a <see cref="Target"/> (and take <c>--target</c>, <c>--threads</c>, <c>--checked</c>).</summary>
    public bool IsMachineLevel => Level is "machine" or "native";

    /// <summary>Validates the raw option values: a known level, threads ≥ 1, a known target, and at native level a
    /// target this machine can run.</summary>
    public static RunSettings Create(string level, int? threads, bool @checked, string? target, string? dumpDirectory = null, bool verifyEach = false,
        string? loweringOff = null)
    {
        if (!Levels.Contains(level))
            throw new StrataException(ErrorCode.InvalidArgument, $"unknown level '{level}'", $"use --level {string.Join(", ", Levels[..^1])} or {Levels[^1]}");
        bool machineLevel = level is "machine" or "native";
        if (threads is { } n && n < 1)
            throw new StrataException(ErrorCode.InvalidArgument, $"--threads {n}: the thread count must be at least 1", $"leave --threads out to use all {Environment.ProcessorCount} cores");
        if (!machineLevel && (threads is not null || @checked || target is not null))
            throw new StrataException(ErrorCode.InvalidArgument,
                $"{(target is not null ? "--target" : threads is not null ? "--threads" : "--checked")} applies to --level machine or native, not {level}",
                "use --level native (the default) or --level machine");
        var t = Target.Get(target ?? "host");
        if (level == "native" && !TargetSupport.RunsNatively(t))
            throw new StrataException(ErrorCode.InvalidArgument, $"target {t.Name} cannot run natively on this machine ({TargetCatalog.Host.Name})",
                $"use --level machine --target {t.Name} to emulate it, or --target host");
        if (loweringOff is not null) LoweringSwitches.Off(loweringOff);
        return new RunSettings(level, threads ?? Environment.ProcessorCount, @checked, t, dumpDirectory, verifyEach, loweringOff);
    }

    /// <summary>The <c>--level</c>, <c>--threads</c>, <c>--checked</c> and <c>--target</c> options.</summary>
    public sealed class Options
    {
        public Option<string> Level { get; } = new("--level")
        {
            Description = "IR level to run at: native (default: machine code through the runtime), machine (Machine kernels emulated by "
                + "the Machine interpreter, for any --target), block, tile (the compiler's levels run by their interpreters) or graph (reference interpreter)",
            DefaultValueFactory = _ => "native",
        };

        public Option<int?> Threads { get; } = new("--threads") { Description = "Worker threads for kernels at --level native or machine (default: all cores)" };

        public Option<bool> Checked { get; } = new("--checked") { Description = "Check every memory access of native kernels (slower; for debugging)" };

        public Option<string?> Target { get; } = new("--target")
        {
            Description = $"Target to compile for: host (default), {string.Join(", ", Core.Target.Known.Select(t => t.Name))}, NAME-dp (double-pumped full-width FMAs); --level machine emulates any of them",
        };

        public Option<string?> LoweringOff { get; } = new("--lowering-off")
        {
            Description = "Comma-separated switches of the Block→Machine lowering to turn off (MachineLoweringOptions, e.g. RegisterTranspose,LocalScratch): an A/B of one mechanism in the same binary",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(LoweringOff);
            command.Options.Add(Level);
            command.Options.Add(Threads);
            command.Options.Add(Checked);
            command.Options.Add(Target);
        }

        public RunSettings Read(ParseResult parse, string? dumpDirectory = null, bool verifyEach = false) =>
            Create(parse.GetValue(Level)!, parse.GetValue(Threads), parse.GetValue(Checked), parse.GetValue(Target), dumpDirectory, verifyEach,
                parse.GetValue(LoweringOff));
    }
}
