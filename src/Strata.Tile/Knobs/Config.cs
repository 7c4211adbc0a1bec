using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Strata.Core;

namespace Strata.Tile;

/// <summary>One point in a kernel's knob space: knob name → value, e.g. <c>{block.m = 48, order = m-n-k}</c>.
/// Immutable, printable (<see cref="ToString"/> round-trips through <see cref="Parse"/>), hashable.</summary>
public sealed class Config : IEquatable<Config>
{
    public static readonly Config Empty = new(ImmutableSortedDictionary<string, string>.Empty);

    public Config(ImmutableSortedDictionary<string, string> values) => Values = values.WithComparers(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, string> Values { get; }

    public string? this[string knob] => Values.GetValueOrDefault(knob);

    public Config With(string knob, string value) => new(Values.SetItem(knob, value));
    public Config With(string knob, long value) => With(knob, value.ToString(CultureInfo.InvariantCulture));

    public long GetInt(string knob, long fallback) =>
        Values.TryGetValue(knob, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : fallback;

    public string Get(string knob, string fallback) => Values.GetValueOrDefault(knob) ?? fallback;

    public override string ToString()
    {
        var sb = new StringBuilder("{");
        foreach (var (k, v) in Values)
        {
            if (sb.Length > 1) sb.Append(", ");
            sb.Append(k).Append(" = ").Append(v);
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Parses <c>{name = value, ...}</c>. Values are bare words without commas, braces or spaces.</summary>
    public static Config Parse(string text)
    {
        var t = text.Trim();
        if (t.Length < 2 || t[0] != '{' || t[^1] != '}')
            throw new StrataException(ErrorCode.ParseError, $"config '{text}' is not of the form {{knob = value, ...}}", "write e.g. {block.m = 48, order = m-n-k}");
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var part in t[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || kv[0].Length == 0 || kv[1].Length == 0 || kv[1].Contains(' '))
                throw new StrataException(ErrorCode.ParseError, $"config entry '{part}' is not 'knob = value'", "write e.g. block.m = 48");
            if (!b.TryAdd(kv[0], kv[1]))
                throw new StrataException(ErrorCode.ParseError, $"config sets '{kv[0]}' twice", "set each knob once");
        }
        return new Config(b.ToImmutable());
    }

    public bool Equals(Config? other) => other is not null && Values.Count == other.Values.Count
        && Values.All(kv => other.Values.TryGetValue(kv.Key, out var v) && v == kv.Value);
    public override bool Equals(object? obj) => Equals(obj as Config);
    public override int GetHashCode() => Values.Aggregate(17, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value));
}
