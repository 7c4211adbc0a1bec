namespace Strata.Core;

/// <summary>One dimension of a static shape: a known size, a named symbol (bound later), or unknown.</summary>
public readonly record struct Dim
{
    public long? Value { get; }
    public string? Symbol { get; }

    private Dim(long? value, string? symbol) { Value = value; Symbol = symbol; }

    public static Dim Of(long value) => new(value, null);
    public static Dim Sym(string symbol) => new(null, symbol);
    public static readonly Dim Unknown = new(null, null);

    public bool IsKnown => Value.HasValue;
    public bool IsSymbolic => Symbol is not null;

    public static implicit operator Dim(long value) => Of(value);

    /// <summary>Text form: <c>128</c>, a symbol name such as <c>batch</c>, or <c>?</c>.</summary>
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
