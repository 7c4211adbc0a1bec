using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Strata.Graph.Ops;

/// <summary>The matrix product every nn kernel reduces to: <c>C[m,n] (+)= Σ_k A[m,k]·B[k,n]</c> on row-major
/// matrices with leading dimensions (so a matrix can be a window into a larger buffer). Float and double use a
/// register-blocked kernel (4 rows × 2 vectors, k in blocks that keep a B panel in L1); other numeric types use
/// the plain i-k-j loop. Accumulation is in the element type.</summary>
internal static class MatrixMultiply
{
    private const int KBlock = 256;

    /// <summary>Rows of A per block: an A block (MBlock × KBlock) stays in L2 while the B panels stream past it.</summary>
    private const int MBlock = 192;

    /// <summary>Below this many multiply-adds a product runs on the calling thread.</summary>
    public const long ParallelThreshold = 1L << 21;

    /// <summary>Single-threaded product. With <paramref name="accumulate"/> false, C is overwritten.</summary>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc, bool accumulate) where T : unmanaged, INumber<T>
    {
        if (m <= 0 || n <= 0) return;
        if (c.Length < (long)(m - 1) * ldc + n)
            throw new ArgumentException("C is smaller than its dimensions require");
        if (!accumulate)
            for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
        if (k <= 0) return;
        if (a.Length < (long)(m - 1) * lda + k || b.Length < (long)(k - 1) * ldb + n)
            throw new ArgumentException("A or B is smaller than its dimensions require");
        if ((typeof(T) == typeof(float) || typeof(T) == typeof(double)) && Vector.IsHardwareAccelerated && Vector<T>.Count >= 4)
            MultiplyBlocked(m, n, k, ref MemoryMarshal.GetReference(a), lda, ref MemoryMarshal.GetReference(b), ldb,
                ref MemoryMarshal.GetReference(c), ldc);
        else
            MultiplySimple(m, n, k, a, lda, b, ldb, c, ldc);
    }

    /// <summary>Like <see cref="Multiply{T}"/>, split over threads (by columns, or by rows when C is tall) when
    /// the product is large enough to pay for it.</summary>
    public static void MultiplyParallel<T>(int m, int n, int k, ReadOnlyMemory<T> a, int lda, ReadOnlyMemory<T> b, int ldb,
        Memory<T> c, int ldc, bool accumulate) where T : unmanaged, INumber<T>
    {
        int threads = Environment.ProcessorCount;
        long work = (long)m * n * Math.Max(k, 1);
        if (threads == 1 || work < ParallelThreshold)
        {
            Multiply(m, n, k, a.Span, lda, b.Span, ldb, c.Span, ldc, accumulate);
            return;
        }
        int align = Vector<T>.Count * 2;
        if (n >= m && n >= 2 * align)
        {
            int chunks = Math.Min(threads * 4, n / align);
            int per = (n / chunks + align - 1) / align * align;
            chunks = (n + per - 1) / per;
            Parallel.For(0, chunks, ci =>
            {
                int j0 = ci * per, j1 = Math.Min(n, j0 + per);
                Multiply(m, j1 - j0, k, a.Span, lda, b.Span[j0..], ldb, c.Span[j0..], ldc, accumulate);
            });
        }
        else
        {
            int chunks = Math.Max(1, Math.Min(threads * 4, m / 4));
            int per = (m / chunks + 3) / 4 * 4;
            chunks = (m + per - 1) / per;
            Parallel.For(0, chunks, ci =>
            {
                int i0 = ci * per, i1 = Math.Min(m, i0 + per);
                Multiply(i1 - i0, n, k, a.Span[(i0 * lda)..], lda, b.Span, ldb, c.Span[(i0 * ldc)..], ldc, accumulate);
            });
        }
    }

    /// <summary>C[m,n] = A[m,k] · B[n,k]ᵀ (B given row-major as its transpose): dot products of rows, which reads
    /// both operands contiguously; split over threads by rows of B when large.</summary>
    public static void MultiplyTransposedParallel<T>(int m, int n, int k, ReadOnlyMemory<T> a, int lda, ReadOnlyMemory<T> b, int ldb,
        Memory<T> c, int ldc) where T : unmanaged, INumber<T>
    {
        int threads = Environment.ProcessorCount;
        long work = (long)m * n * Math.Max(k, 1);
        if (threads == 1 || work < ParallelThreshold || n < 2 * threads)
        {
            MultiplyTransposed(m, n, k, a.Span, lda, b.Span, ldb, c.Span, ldc);
            return;
        }
        int chunks = threads * 4;
        int per = (n + chunks - 1) / chunks;
        chunks = (n + per - 1) / per;
        Parallel.For(0, chunks, ci =>
        {
            int j0 = ci * per, j1 = Math.Min(n, j0 + per);
            MultiplyTransposed(m, j1 - j0, k, a.Span, lda, b.Span[(j0 * ldb)..], ldb, c.Span[j0..], ldc);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyTransposed<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc) where T : unmanaged, INumber<T>
    {
        // Blocks of B rows small enough to stay in L2 while every row of A passes over them.
        int rowsPerBlock = Math.Max(1, (1 << 16) / Math.Max(k, 1));
        for (int j0 = 0; j0 < n; j0 += rowsPerBlock)
        {
            int j1 = Math.Min(n, j0 + rowsPerBlock);
            for (int i = 0; i < m; i++)
            {
                var arow = a.Slice(i * lda, k);
                for (int j = j0; j < j1; j++) c[i * ldc + j] = Dot(arow, b.Slice(j * ldb, k));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, INumber<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            int w = Vector<T>.Count;
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T yr = ref MemoryMarshal.GetReference(y);
            Vector<T> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 4 * w <= x.Length; i += 4 * w)
            {
                s0 = Fma(Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i), s0);
                s1 = Fma(Vector.LoadUnsafe(ref xr, (nuint)(i + w)), Vector.LoadUnsafe(ref yr, (nuint)(i + w)), s1);
                s2 = Fma(Vector.LoadUnsafe(ref xr, (nuint)(i + 2 * w)), Vector.LoadUnsafe(ref yr, (nuint)(i + 2 * w)), s2);
                s3 = Fma(Vector.LoadUnsafe(ref xr, (nuint)(i + 3 * w)), Vector.LoadUnsafe(ref yr, (nuint)(i + 3 * w)), s3);
            }
            for (; i + w <= x.Length; i += w)
                s0 = Fma(Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i), s0);
            sum = Vector.Sum((s0 + s1) + (s2 + s3));
        }
        for (; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplySimple<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < m; i++)
        {
            var crow = c.Slice(i * ldc, n);
            for (int p = 0; p < k; p++)
            {
                T x = a[i * lda + p];
                if (T.IsZero(x)) continue;
                var brow = b.Slice(p * ldb, n);
                for (int j = 0; j < n; j++) crow[j] += x * brow[j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyBlocked<T>(int m, int n, int k, ref T a, int lda, ref T b, int ldb, ref T c, int ldc)
        where T : unmanaged, INumber<T>
    {
        int w = Vector<T>.Count;
        int panel = 2 * w;
        int nFull = n - n % panel;
        // Packing a B panel into contiguous memory avoids cache-set conflicts when ldb is a large power of two;
        // it pays off once several row groups reuse the panel.
        bool pack = m >= 8;
        T[]? packed = pack ? ArrayPool<T>.Shared.Rent(KBlock * panel) : null;
        try
        {
            for (int k0 = 0; k0 < k; k0 += KBlock)
            {
                int kb = Math.Min(KBlock, k - k0);
                for (int i0 = 0; i0 < m; i0 += MBlock)
                {
                    int i1 = Math.Min(m, i0 + MBlock);
                    for (int j = 0; j < nFull; j += panel)
                    {
                        ref T bp = ref Unsafe.Add(ref b, (nint)k0 * ldb + j);
                        int ldp = ldb;
                        if (pack)
                        {
                            ref T dst = ref MemoryMarshal.GetArrayDataReference(packed!);
                            for (int p = 0; p < kb; p++)
                            {
                                ref T src = ref Unsafe.Add(ref bp, (nint)p * ldb);
                                Vector.LoadUnsafe(ref src).StoreUnsafe(ref dst, (nuint)(p * panel));
                                Vector.LoadUnsafe(ref src, (nuint)w).StoreUnsafe(ref dst, (nuint)(p * panel + w));
                            }
                            bp = ref dst;
                            ldp = panel;
                        }
                        int i = i0;
                        for (; i + 4 <= i1; i += 4)
                            Kernel4(ref Unsafe.Add(ref a, (nint)i * lda + k0), lda, ref bp, ldp, ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kb);
                        for (; i < i1; i++)
                            Kernel1(ref Unsafe.Add(ref a, (nint)i * lda + k0), ref bp, ldp, ref Unsafe.Add(ref c, (nint)i * ldc + j), kb);
                    }
                }
                if (nFull < n)
                    for (int i = 0; i < m; i++) Tail(ref a, lda, ref b, ldb, ref c, ldc, i, nFull, n, k0, kb);
            }
        }
        finally
        {
            if (packed is not null) ArrayPool<T>.Shared.Return(packed);
        }
    }

    /// <summary>C[0..4, 0..2w] += A[0..4, 0..kb] · B[0..kb, 0..2w] with 8 vector accumulators (refs point at the block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel4<T>(ref T a0, int lda, ref T bp, int ldb, ref T cp, int ldc, int kb)
        where T : unmanaged, INumber<T>
    {
        int w = Vector<T>.Count;
        ref T a1 = ref Unsafe.Add(ref a0, lda);
        ref T a2 = ref Unsafe.Add(ref a1, lda);
        ref T a3 = ref Unsafe.Add(ref a2, lda);
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<T> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kb; p++)
        {
            var b0 = Vector.LoadUnsafe(ref bp);
            var b1 = Vector.LoadUnsafe(ref bp, (nuint)w);
            var x = new Vector<T>(Unsafe.Add(ref a0, p));
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = new Vector<T>(Unsafe.Add(ref a1, p));
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = new Vector<T>(Unsafe.Add(ref a2, p));
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = new Vector<T>(Unsafe.Add(ref a3, p));
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        AddStore(ref cp, c00, c01, w);
        cp = ref Unsafe.Add(ref cp, ldc);
        AddStore(ref cp, c10, c11, w);
        cp = ref Unsafe.Add(ref cp, ldc);
        AddStore(ref cp, c20, c21, w);
        cp = ref Unsafe.Add(ref cp, ldc);
        AddStore(ref cp, c30, c31, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1<T>(ref T a0, ref T bp, int ldb, ref T cp, int kb)
        where T : unmanaged, INumber<T>
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default;
        for (int p = 0; p < kb; p++)
        {
            var x = new Vector<T>(Unsafe.Add(ref a0, p));
            c00 = Fma(x, Vector.LoadUnsafe(ref bp), c00);
            c01 = Fma(x, Vector.LoadUnsafe(ref bp, (nuint)w), c01);
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        AddStore(ref cp, c00, c01, w);
    }

    /// <summary>Columns [j0, n) that do not fill a whole panel: one vector at a time, then scalars.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tail<T>(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int j0, int n, int k0, int kb)
        where T : unmanaged, INumber<T>
    {
        int w = Vector<T>.Count;
        ref T crow = ref Unsafe.Add(ref c, (nint)i * ldc);
        ref T arow = ref Unsafe.Add(ref a, (nint)i * lda + k0);
        int j = j0;
        for (; j + w <= n; j += w)
        {
            ref T bp = ref Unsafe.Add(ref b, (nint)k0 * ldb + j);
            Vector<T> acc = default;
            for (int p = 0; p < kb; p++)
            {
                acc = Fma(new Vector<T>(Unsafe.Add(ref arow, p)), Vector.LoadUnsafe(ref bp), acc);
                bp = ref Unsafe.Add(ref bp, ldb);
            }
            ref T cj = ref Unsafe.Add(ref crow, j);
            (Vector.LoadUnsafe(ref cj) + acc).StoreUnsafe(ref cj);
        }
        for (; j < n; j++)
        {
            ref T bp = ref Unsafe.Add(ref b, (nint)k0 * ldb + j);
            T acc = T.Zero;
            for (int p = 0; p < kb; p++)
            {
                acc += Unsafe.Add(ref arow, p) * bp;
                bp = ref Unsafe.Add(ref bp, ldb);
            }
            Unsafe.Add(ref crow, j) += acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddStore<T>(ref T c, Vector<T> v0, Vector<T> v1, int w) where T : unmanaged, INumber<T>
    {
        (Vector.LoadUnsafe(ref c) + v0).StoreUnsafe(ref c);
        (Vector.LoadUnsafe(ref c, (nuint)w) + v1).StoreUnsafe(ref c, (nuint)w);
    }

    /// <summary>x·y + acc, fused where the element type has a hardware FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> acc) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float))
        {
            var r = Vector.FusedMultiplyAdd(Unsafe.As<Vector<T>, Vector<float>>(ref x), Unsafe.As<Vector<T>, Vector<float>>(ref y),
                Unsafe.As<Vector<T>, Vector<float>>(ref acc));
            return Unsafe.As<Vector<float>, Vector<T>>(ref r);
        }
        if (typeof(T) == typeof(double))
        {
            var r = Vector.FusedMultiplyAdd(Unsafe.As<Vector<T>, Vector<double>>(ref x), Unsafe.As<Vector<T>, Vector<double>>(ref y),
                Unsafe.As<Vector<T>, Vector<double>>(ref acc));
            return Unsafe.As<Vector<double>, Vector<T>>(ref r);
        }
        return x * y + acc;
    }
}
