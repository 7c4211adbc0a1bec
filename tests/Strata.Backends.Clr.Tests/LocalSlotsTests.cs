using System.Text;
using CsCheck;
using Strata.Backends.Clr.Emit;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Machine.Text;

namespace Strata.Backends.Clr.Tests;

/// <summary>Registers never live at once share an IL local (<see cref="LocalSlots"/>), so a big kernel stays within the
/// locals RyuJIT enregisters: a long chain needs two locals, a loop's carried registers keep theirs through the loop,
/// random structured kernels (registers reassigned in loops and in one arm of an if, loops that run zero times) run
/// natively exactly as the interpreter runs them, and a kernel the ranges would be wrong for is refused.</summary>
public class LocalSlotsTests
{
    private static Dictionary<string, (Type Type, int Slot)> Slots(MachineKernel k) =>
        LocalSlots.Assign(k.Body, r => ClrTypes.Of(r.Type, k.Target), new HashSet<string>());

    /// <summary>x + x + x + … through 2,000 registers, each read once by the next: the chain takes two i64 locals (the
    /// one each add reads and the one it writes), four in all with %c0 and %one, instead of 2,002; the native sum is the
    /// interpreter's.</summary>
    [Fact]
    public void AChainOfTwoThousandRegistersSharesTwoLocals()
    {
        var s = new StringBuilder("machine.kernel @chain target(scalar) (%x: ptr<i64>[1], %out: ptr<i64>[1] output) programs(1) {\n");
        s.AppendLine("  %c0 = program_id 0 : i64");
        s.AppendLine("  %one = load %x[%c0] : i64");
        s.AppendLine("  %r0 = add %one, %one : i64");
        for (int i = 1; i < 2000; i++) s.AppendLine($"  %r{i} = add %r{i - 1}, %one : i64");
        s.AppendLine("  store %out[%c0], %r1999");
        s.AppendLine("}");
        var k = MachineParser.Parse(s.ToString());
        var slots = Slots(k);
        Assert.Equal(2002, slots.Count);
        // %c0 and %one are read up to the end; the chain alternates between two more.
        Assert.Equal(4, slots.Values.Select(v => v.Slot).Distinct().Count());
        var x = new Tensor<long>([1]);
        x.Span[0] = 3;
        var y = (Tensor<long>)NativeHarness.AssertMatchesInterpreter(k, [x])[0];
        Assert.Equal(6 + 1999 * 3, y.Span[0]);
    }

    /// <summary>A register assigned before a loop and read in it (%scale) and an accumulator updated in it (%acc) keep
    /// their locals for the whole loop, though %scale's last mention is early in the body: no register of the body
    /// shares them (%t3, assigned after that mention, would otherwise take %scale's local and clobber it for the next
    /// iteration). The body's own temps share among themselves.</summary>
    [Fact]
    public void RegistersReadRoundALoopKeepTheirLocals()
    {
        var k = MachineParser.Parse("""
            machine.kernel @carried target(scalar) (%x: ptr<i64>[4], %out: ptr<i64>[1] output) programs(1) {
              %c0 = const 0 : i64
              %c1 = const 1 : i64
              %c4 = const 4 : i64
              %acc = load %x[%c0] : i64
              %scale = load %x[%c1] : i64
              loop %i = %c0 to %c4 step 1 {
                %t1 = load %x[%i] : i64
                %t2 = mul %t1, %scale : i64
                %acc = add %acc, %t2 : i64
                %t3 = add %t1, %c1 : i64
                %acc = add %acc, %t3 : i64
              }
              store %out[%c0], %acc
            }
            """);
        var slots = LocalSlots.Assign(k.Body, r => ClrTypes.Of(r.Type, k.Target), new HashSet<string> { "c0", "c1", "c4" });
        foreach (var t in new[] { "t1", "t2", "t3", "i" })
        {
            Assert.NotEqual(slots["acc"], slots[t]);
            Assert.NotEqual(slots["scale"], slots[t]);
        }
        Assert.Equal(slots["t2"], slots["t3"]);   // t2 is dead before t3 is assigned
        var x = new Tensor<long>([4]);
        for (int i = 0; i < 4; i++) x.Span[i] = i + 2;
        var y = (Tensor<long>)NativeHarness.AssertMatchesInterpreter(k, [x])[0];
        Assert.Equal(2 + (2 + 3 + 4 + 5) * 3 + (3 + 4 + 5 + 6), y.Span[0]);
    }

    /// <summary>The ranges rest on the verifier's rule that every read has an assignment on every path before it: a
    /// register read in a loop before it is assigned there, in an iteration that did not assign it, was assigned before
    /// the loop, so its range crosses the loop. The backend refuses a kernel that breaks the rule (%kept, assigned in one
    /// arm of an if, read in every iteration) with the verifier's error, rather than sharing %kept's local with %u.</summary>
    [Fact]
    public void AKernelReadingARegisterNotAssignedOnEveryPathIsRefused()
    {
        var k = MachineParser.Parse("""
            machine.kernel @exposed target(scalar) (%x: ptr<i64>[4], %out: ptr<i64>[5] output) programs(1) {
              %c0 = const 0 : i64
              %c2 = const 2 : i64
              %c4 = const 4 : i64
              %acc = load %x[%c0] : i64
              loop %i = %c0 to %c4 step 1 {
                %u = add %i, %c2 : i64
                store %out[%i], %u
                %early = lt %i, %c2 : bool
                if %early {
                  %kept = load %x[%i] : i64
                }
                %acc = add %acc, %kept : i64
              }
              store %out[%c4], %acc
            }
            """);
        var e = Assert.Throws<StrataException>(() => NativeHarness.Backend.Compile(k, NativeCompileOptions.Default));
        Assert.Contains("%kept is not assigned on every path before this use", e.Message);
    }

    /// <summary>Random structured kernels of i64 registers: assignments from surely assigned registers into a small pool
    /// of names (so registers are reassigned and their lives are short or long), loops of 0 to 3 iterations, ifs whose
    /// arms assign different registers, an accumulator folded everywhere; every surely assigned register is stored at
    /// the end. A local shared by two registers live at once shows as a wrong stored value.</summary>
    [Fact]
    public void RandomStructuredKernelsMatchTheInterpreter()
    {
        Gen.Int.Sample(seed =>
        {
            var k = RandomKernel(new Random(seed));
            var x = new Tensor<long>([8]);
            var r = new Random(seed ^ 0x5eed);
            for (int i = 0; i < 8; i++) x.Span[i] = r.Next(-50, 50);
            try { NativeHarness.AssertMatchesInterpreter(k, [x]); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\n{MachinePrinter.Print(k)}");
            }
        }, iter: 200, threads: 1);
    }

    private const int Pool = 24;

    private static MachineKernel RandomKernel(Random r)
    {
        var s = new StringBuilder($"machine.kernel @random target(scalar) (%x: ptr<i64>[8], %out: ptr<i64>[{2 * (Pool + 1)}] output) programs(2) {{\n");
        for (int c = 0; c <= Pool + 1; c++) s.AppendLine($"  %c{c} = const {c} : i64");
        s.AppendLine("  %p = program_id 0 : i64");
        s.AppendLine($"  %base = mul %p, %c{Pool + 1} : i64");
        s.AppendLine("  %acc = load %x[%p] : i64");
        var assigned = new HashSet<string>(StringComparer.Ordinal) { "acc", "p" };
        int fresh = 0;
        Block(1, assigned);
        var stores = assigned.Where(n => n.StartsWith('r')).Order(StringComparer.Ordinal).ToList();
        stores.Add("acc");
        foreach (var n in stores)
        {
            int slot = n == "acc" ? Pool : int.Parse(n[1..]);
            s.AppendLine($"  %o{n} = add %base, %c{slot} : i64");
            s.AppendLine($"  store %out[%o{n}], %{n}");
        }
        s.AppendLine("}");
        return MachineParser.Parse(s.ToString());

        void Block(int depth, HashSet<string> d)
        {
            string pad = new(' ', 2 * depth);
            int n = r.Next(2, 8);
            for (int j = 0; j < n; j++)
            {
                int what = r.Next(100);
                if (what < 12 && depth < 4)
                {
                    string i = $"i{fresh++}";
                    s.AppendLine($"{pad}loop %{i} = %c0 to %c{r.Next(0, 4)} step 1 {{");
                    Block(depth + 1, new HashSet<string>(d, StringComparer.Ordinal) { i });
                    s.AppendLine($"{pad}}}");
                }
                else if (what < 24 && depth < 4)
                {
                    string b = $"b{fresh++}";
                    s.AppendLine($"{pad}%{b} = lt %{Operand(d)}, %{Operand(d)} : bool");
                    s.AppendLine($"{pad}if %{b} {{");
                    var t = new HashSet<string>(d, StringComparer.Ordinal);
                    Block(depth + 1, t);
                    s.AppendLine($"{pad}}} else {{");
                    var e = new HashSet<string>(d, StringComparer.Ordinal);
                    Block(depth + 1, e);
                    s.AppendLine($"{pad}}}");
                    t.IntersectWith(e);
                    d.UnionWith(t);
                }
                else if (what < 40)
                    s.AppendLine($"{pad}%acc = add %acc, %{Operand(d)} : i64");
                else if (what < 48)
                {
                    // A load at a wrapped index: a value the interpreter and the native code read alike.
                    string ix = $"ix{fresh++}";
                    s.AppendLine($"{pad}%{ix} = bitand %{Operand(d)}, %c7 : i64");
                    string t = $"r{r.Next(Pool)}";
                    s.AppendLine($"{pad}%{t} = load %x[%{ix}] : i64");
                    d.Add(t);
                }
                else
                {
                    string t = $"r{r.Next(Pool)}";
                    string op = r.Next(4) switch { 0 => "add", 1 => "sub", 2 => "mul", _ => "bitxor" };
                    s.AppendLine($"{pad}%{t} = {op} %{Operand(d)}, %{Operand(d)} : i64");
                    d.Add(t);
                }
            }
        }

        string Operand(HashSet<string> d)
        {
            var names = d.Order(StringComparer.Ordinal).ToList();
            return r.Next(5) == 0 ? $"c{r.Next(1, 8)}" : names[r.Next(names.Count)];
        }
    }
}
