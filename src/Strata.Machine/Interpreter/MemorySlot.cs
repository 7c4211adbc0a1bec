using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Interpreting;

/// <summary>One memory the kernel addresses: a parameter tensor (copied into scalars for the run and written back)
/// or a local buffer (fresh poison for every program instance).</summary>
internal sealed class MemorySlot(string name, DataType element, long length, bool isLocal, bool writable)
{
    public readonly string Name = name;
    public readonly DataType Element = element;
    public readonly long Length = length;
    public readonly bool IsLocal = isLocal;
    public readonly bool Writable = writable;

    /// <summary>The value a local buffer holds before the instance writes it: NaN for floats, 0x5A5A… for integers,
    /// so a read before a write shows up in results.</summary>
    public readonly Scalar Poison = ScalarSemantics.IsFloat(element) ? Scalar.Float(double.NaN)
        : ScalarSemantics.Normalize(Scalar.Int(0x5A5A5A5A5A5A5A5A), element);
}
