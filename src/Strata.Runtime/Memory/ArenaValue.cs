namespace Strata.Runtime;

/// <summary>Where one arena value of a compiled program lives: <see cref="Bytes"/> bytes at <see cref="Offset"/>,
/// touched by steps <see cref="FirstStep"/>..<see cref="LastStep"/>. <see cref="Inside"/> names the value it is placed
/// in (an input of an in-place Concat lies in the concat's output), else null. Two values live at a common step may
/// share bytes only when one lies (transitively) inside the other.</summary>
public sealed record ArenaValue(string Name, long Offset, long Bytes, int FirstStep, int LastStep, string? Inside);
