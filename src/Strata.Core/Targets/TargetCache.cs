using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Core;

/// <summary>Measured peak and bandwidth per machine, kept as JSON (<c>targets.json</c>) in the user cache folder so
/// that <c>strata target --measure</c> runs once per machine. The key is the CPU model name, ISA and core count: a
/// different machine (or a container given fewer cores) measures again.</summary>
public sealed class TargetCache(string directory)
{
    /// <summary>The folder the cache lives in.</summary>
    public string Directory { get; } = directory;

    public string FilePath => Path.Combine(Directory, "targets.json");

    /// <summary><c>$XDG_CACHE_HOME/strata</c> where set, else <c>LocalApplicationData/strata</c>.</summary>
    public static TargetCache Default
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrWhiteSpace(xdg) ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData) : xdg;
            return new TargetCache(Path.Combine(root, "strata"));
        }
    }

    /// <summary>The key a target's measurements are stored under on this machine.</summary>
    public static string Key(string cpuModel, Target target) =>
        string.Create(CultureInfo.InvariantCulture, $"{cpuModel}|{target.Isa.ToString().ToLowerInvariant()}|{target.Cores}");

    /// <summary>The stored measurement for <paramref name="key"/>, or null (no file, no entry, or an unreadable file:
    /// a cache never makes a run fail).</summary>
    public (double PeakGflops, double BandwidthGBs, string MeasuredAt)? Lookup(string key)
    {
        if (ReadAll()?[key] is not JsonObject entry) return null;
        double peak = entry["peakGflops"]?.GetValueKind() == JsonValueKind.Number ? entry["peakGflops"]!.GetValue<double>() : 0;
        double bandwidth = entry["bandwidthGBs"]?.GetValueKind() == JsonValueKind.Number ? entry["bandwidthGBs"]!.GetValue<double>() : 0;
        string when = entry["measuredAt"]?.GetValueKind() == JsonValueKind.String ? entry["measuredAt"]!.GetValue<string>() : "";
        return peak > 0 || bandwidth > 0 ? (peak, bandwidth, when) : null;
    }

    /// <summary>Stores a measurement (other machines' entries are kept).</summary>
    public void Store(string key, double peakGflops, double bandwidthGBs, DateTimeOffset measuredAt)
    {
        var all = ReadAll() ?? new JsonObject();
        all[key] = new JsonObject
        {
            ["peakGflops"] = Math.Round(peakGflops, 2),
            ["bandwidthGBs"] = Math.Round(bandwidthGBs, 2),
            ["measuredAt"] = measuredAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        };
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            // Write then rename, so a concurrent reader never sees half a file.
            var tmp = FilePath + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(tmp, all.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            File.Move(tmp, FilePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StrataException(ErrorCode.FileNotFound, $"cannot write the target cache '{FilePath}': {e.Message}",
                "set XDG_CACHE_HOME to a writable folder");
        }
    }

    private JsonObject? ReadAll()
    {
        try
        {
            return File.Exists(FilePath) ? JsonNode.Parse(File.ReadAllText(FilePath)) as JsonObject : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}
