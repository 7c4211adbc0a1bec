using System.Collections.Immutable;

namespace Strata.Machine.Lowering;

/// <summary>Transposes a lanes × lanes block held in registers — row i in register i — into one register per column,
/// with log2(lanes) rounds of <see cref="ShuffleStmt"/>s (lanes/2 · 2 shuffles a round) instead of a store and
/// re-load of every element. Why: a channels-as-columns conv's micro-tile holds [positions, co] and its NCHW output
/// wants [co, positions]; lane by lane that is 256 extracts per 16 × 16 block, in registers 64 shuffles.
/// <para>4-byte lanes (4, 8, 16 of them) use the network x86 runs in one instruction a shuffle: unpack lo/hi then
/// shufps within 128-bit blocks (the 4 × 4 transpose of each block), then the blocks are unzipped (even blocks of
/// two registers, odd blocks) log2(lanes/4) times (vperm2f128 on 256 bits, vshuff32x4 on 512). Other lane sizes
/// unzip single lanes log2(lanes) times (a general two-source permute). Which register ends up holding which
/// column is found by running the network on labels, so the result is checked by construction.</para></summary>
public static class TransposeNetwork
{
    /// <summary>Emits the shuffles transposing <paramref name="rows"/> (as many as their lanes, one vector type) and
    /// returns the registers holding the columns, column c at [c]. <paramref name="newReg"/> makes a fresh register
    /// from a name hint. Rows that are <paramref name="zero"/> (a register of zeros: rows past the end of a block)
    /// cost nothing: a shuffle of two such registers is that register.</summary>
    public static Reg[] Emit(IReadOnlyList<Reg> rows, Func<string, MType, Reg> newReg, Action<MStmt> emit, Reg? zero = null)
    {
        int n = rows.Count;
        var type = rows[0].Type;
        if (!type.IsVector || type.Lanes != n || rows.Any(r => r.Type != type) || (n & (n - 1)) != 0)
            throw new ArgumentException($"a transpose takes as many rows as lanes, of one vector type; got {n} of {type}");
        // Each register with the labels (row · n + column) of its lanes: the network run on labels.
        var regs = rows.Select((r, i) => (Reg: r, Labels: Enumerable.Range(0, n).Select(l => i * n + l).ToArray())).ToList();
        (Reg, int[]) Shuffle((Reg Reg, int[] Labels) a, (Reg Reg, int[] Labels) b, int[] lanes)
        {
            var labels = lanes.Select(i => i < n ? a.Labels[i] : b.Labels[i - n]).ToArray();
            if (zero is not null && a.Reg == zero && b.Reg == zero) return (zero, labels);
            var r = newReg("tr", type);
            emit(new ShuffleStmt(r, a.Reg, b.Reg, [.. lanes]));
            return (r, labels);
        }
        int grain = 1;
        if (n >= 4 && type.Element is Strata.Core.DataType.Float32 or Strata.Core.DataType.Int32 or Strata.Core.DataType.UInt32)
        {
            // Per group of 4 rows: the 4 × 4 transpose of every 128-bit block.
            var next = new List<(Reg, int[])>(n);
            for (int q = 0; q < n; q += 4)
            {
                var t0 = Shuffle(regs[q], regs[q + 1], InBlocks(n, [0, n, 1, n + 1]));
                var t1 = Shuffle(regs[q], regs[q + 1], InBlocks(n, [2, n + 2, 3, n + 3]));
                var t2 = Shuffle(regs[q + 2], regs[q + 3], InBlocks(n, [0, n, 1, n + 1]));
                var t3 = Shuffle(regs[q + 2], regs[q + 3], InBlocks(n, [2, n + 2, 3, n + 3]));
                next.Add(Shuffle(t0, t2, InBlocks(n, [0, 1, n, n + 1])));
                next.Add(Shuffle(t0, t2, InBlocks(n, [2, 3, n + 2, n + 3])));
                next.Add(Shuffle(t1, t3, InBlocks(n, [0, 1, n, n + 1])));
                next.Add(Shuffle(t1, t3, InBlocks(n, [2, 3, n + 2, n + 3])));
            }
            regs = next;
            grain = 4;
        }
        // Unzip grains: the m registers that hold the same lanes of their grains (those at stride n/m after the
        // blocks' transposes, all of them otherwise) are a column of m grains to transpose.
        int m = n / grain;
        for (int round = 1; round < m; round *= 2)
        {
            var next = new (Reg, int[])[n];
            int groups = n / m;
            for (int g = 0; g < groups; g++)
                for (int j = 0; j < m / 2; j++)
                {
                    var a = regs[(2 * j) * groups + g];
                    var b = regs[(2 * j + 1) * groups + g];
                    next[j * groups + g] = Shuffle(a, b, Unzip(n, grain, odd: false));
                    next[(j + m / 2) * groups + g] = Shuffle(a, b, Unzip(n, grain, odd: true));
                }
            regs = [.. next];
        }
        var columns = new Reg[n];
        foreach (var (reg, labels) in regs)
        {
            int c = labels[0] % n;
            for (int l = 0; l < n; l++)
                if (labels[l] != l * n + c) throw new InvalidOperationException($"transpose network of {n} lanes does not transpose (lane {l} of column {c})");
            columns[c] = reg;
        }
        return columns;
    }

    /// <summary>A 4-lane pattern (indices into a ++ b of a 4-lane vector: 0..3 from a, n..n+3 from b) repeated in
    /// every 128-bit block of an n-lane vector.</summary>
    private static int[] InBlocks(int n, int[] pattern) =>
        [.. Enumerable.Range(0, n).Select(l => pattern[l % 4] + l / 4 * 4)];

    /// <summary>The even (or odd) grains of a, then those of b.</summary>
    private static int[] Unzip(int n, int grain, bool odd)
    {
        int m = n / grain;
        return [.. Enumerable.Range(0, n).Select(l =>
        {
            int block = l / grain, e = l % grain;
            int from = block < m / 2 ? 0 : n;
            int src = (2 * (block % (m / 2)) + (odd ? 1 : 0)) * grain + e;
            return from + src;
        })];
    }
}
