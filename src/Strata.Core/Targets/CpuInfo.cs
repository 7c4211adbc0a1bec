using System.Globalization;

namespace Strata.Core;

/// <summary>What the operating system says about this machine's CPU: its model name (Linux <c>/proc/cpuinfo</c>) and
/// cache sizes (Linux <c>/sys/devices/system/cpu/cpu0/cache</c>). Absent files give null, never an error.</summary>
public static class CpuInfo
{
    /// <summary>The CPU's model name, or the processor architecture where the OS does not say.</summary>
    public static string ModelName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and >= 0)
                        return line[(colon + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The L1 data, L2 and L3 sizes in bytes read from <paramref name="cacheDirectory"/> (its <c>index*</c>
    /// folders with <c>level</c>, <c>type</c>, <c>size</c>); null where the folder is absent or says nothing.</summary>
    public static (long? L1, long? L2, long? L3) CacheSizes(string cacheDirectory = "/sys/devices/system/cpu/cpu0/cache")
    {
        long? l1 = null, l2 = null, l3 = null;
        try
        {
            if (!Directory.Exists(cacheDirectory)) return (null, null, null);
            foreach (var dir in Directory.EnumerateDirectories(cacheDirectory, "index*").Order(StringComparer.Ordinal))
            {
                string? level = Read(dir, "level"), type = Read(dir, "type"), size = Read(dir, "size");
                if (level is null || type is null || ParseSize(size) is not long bytes || type == "Instruction") continue;
                switch (level)
                {
                    case "1": l1 = bytes; break;
                    case "2": l2 = bytes; break;
                    case "3": l3 = bytes; break;
                }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return (l1, l2, l3);
    }

    /// <summary>A sysfs size: <c>48K</c>, <c>1024K</c>, <c>32M</c> or plain bytes.</summary>
    public static long? ParseSize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        long scale = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        var digits = scale == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n * scale : null;
    }

    private static string? Read(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}
