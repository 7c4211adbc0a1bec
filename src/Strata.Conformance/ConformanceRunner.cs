using System.Text.RegularExpressions;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx;

namespace Strata.Conformance;

/// <summary>Runs ONNX node tests (<c>&lt;test&gt;/model.onnx</c> + <c>test_data_set_0/{input,output}_N.pb</c>)
/// through an <see cref="IConformanceExecutor"/> and compares the outputs with the expected ones.</summary>
public sealed class ConformanceRunner(IConformanceExecutor executor, ConformanceOptions? options = null)
{
    public IConformanceExecutor Executor { get; } = executor;
    public ConformanceOptions Options { get; } = options ?? new ConformanceOptions();

    /// <summary>The tests in <paramref name="nodeDirectory"/> (each subfolder holding a <c>model.onnx</c>),
    /// whose names match <paramref name="filter"/> if given, sorted by name.</summary>
    public static IReadOnlyList<ConformanceTest> Discover(string nodeDirectory, Regex? filter = null)
    {
        if (!Directory.Exists(nodeDirectory))
            throw new StrataException(ErrorCode.FileNotFound, $"conformance folder '{nodeDirectory}' does not exist",
                "pass the folder that holds the test folders (e.g. .../onnx/node)");
        var index = TestIndex.Load(nodeDirectory);
        var tests = new List<ConformanceTest>();
        foreach (var dir in Directory.EnumerateDirectories(nodeDirectory))
        {
            string name = Path.GetFileName(dir);
            if (!File.Exists(Path.Combine(dir, "model.onnx"))) continue;
            if (filter is not null && !filter.IsMatch(name)) continue;
            tests.Add(new ConformanceTest(name, dir, index.GetValueOrDefault(name) ?? ""));
        }
        tests.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return tests;
    }

    /// <summary>Runs every test (in parallel, per <see cref="ConformanceOptions.Parallelism"/>).
    /// <paramref name="onResult"/> is called as each finishes (from worker threads).</summary>
    public ConformanceReport RunAll(IReadOnlyList<ConformanceTest> tests, Action<ConformanceResult>? onResult = null)
    {
        var results = new ConformanceResult[tests.Count];
        Parallel.For(0, tests.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Options.Parallelism) }, i =>
        {
            results[i] = Run(tests[i]);
            onResult?.Invoke(results[i]);
        });
        return new ConformanceReport(results);
    }

    /// <summary>Runs one test, never throwing: every error becomes a failed result with a reason.</summary>
    public ConformanceResult Run(ConformanceTest test)
    {
        var task = Task.Run(() => RunUnguarded(test));
        try
        {
            if (!task.Wait(Options.Timeout))
                return ConformanceResult.Fail(test, $"timeout: still running after {Options.Timeout.TotalSeconds:0} s");
            return task.Result;
        }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            return ConformanceResult.Fail(test, Describe(e.InnerException));
        }
    }

    private ConformanceResult RunUnguarded(ConformanceTest test)
    {
        OnnxModel model;
        try
        {
            model = OnnxImporter.LoadModel(Path.Combine(test.Directory, "model.onnx"), new OnnxImportOptions { InferTypes = false });
        }
        catch (Exception e)
        {
            return ConformanceResult.Fail(test, "import: " + Describe(e));
        }
        if (model.DeclaredInputs.Concat(model.DeclaredOutputs).FirstOrDefault(v => v.IsUnrepresentable) is { } odd)
            return ConformanceResult.Skip(test, $"value '{odd.Name}' has a map or opaque type: Strata has no runtime values of that kind, so its data cannot be read");

        string dataDir = Path.Combine(test.Directory, $"test_data_set_{Options.DataSet}");
        if (!Directory.Exists(dataDir))
            return ConformanceResult.Skip(test, $"no data set folder '{Path.GetFileName(dataDir)}'");

        Dictionary<string, RuntimeValue> inputs;
        List<(string Name, RuntimeValue Value)> expected;
        try
        {
            inputs = ReadInputs(model, dataDir);
            expected = ReadOutputs(model, dataDir);
        }
        catch (Exception e)
        {
            return ConformanceResult.Fail(test, "reading test data: " + Describe(e));
        }

        IReadOnlyDictionary<string, RuntimeValue?> outputs;
        Tile.Execution.LoweringStats? lowering = null;
        try
        {
            new TypeInference(Options.Registry).Run(model.Graph);
        }
        catch (Exception e)
        {
            return ConformanceResult.Fail(test, "type inference: " + Describe(e));
        }
        try
        {
            if (Executor is ILoweringExecutor counting)
                (outputs, lowering) = counting.RunCounted(model.Graph, inputs);
            else
                outputs = Executor.Run(model.Graph, inputs);
        }
        catch (Exception e)
        {
            return ConformanceResult.Fail(test, Describe(e));
        }

        var comparer = ToleranceOverride(test.Directory, Options.Comparer);
        foreach (var (name, value) in expected)
        {
            outputs.TryGetValue(name, out var actual);
            if (comparer.Compare(actual, value) is { } why)
                return ConformanceResult.Fail(test, $"output '{name}': {why}") with { Lowering = lowering };
        }
        return ConformanceResult.Pass(test) with { Lowering = lowering };
    }

    private static Dictionary<string, RuntimeValue> ReadInputs(OnnxModel model, string dataDir)
    {
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        var files = DataFiles(dataDir, "input");
        if (files.Count > model.DeclaredInputs.Count)
            throw new StrataException(ErrorCode.InvalidInputFile,
                $"{files.Count} input files but the model declares {model.DeclaredInputs.Count} inputs", "check the test folder");
        for (int i = 0; i < files.Count; i++)
        {
            var info = model.DeclaredInputs[i];
            inputs[info.Name] = OnnxData.ReadValue(files[i], info.Type);
        }
        return inputs;
    }

    private static List<(string, RuntimeValue)> ReadOutputs(OnnxModel model, string dataDir)
    {
        var files = DataFiles(dataDir, "output");
        if (files.Count > model.DeclaredOutputs.Count)
            throw new StrataException(ErrorCode.InvalidInputFile,
                $"{files.Count} output files but the model declares {model.DeclaredOutputs.Count} outputs", "check the test folder");
        var result = new List<(string, RuntimeValue)>();
        for (int i = 0; i < files.Count; i++)
        {
            var info = model.DeclaredOutputs[i];
            result.Add((info.Name, OnnxData.ReadValue(files[i], info.Type)));
        }
        return result;
    }

    /// <summary>Like ONNX's test loader: a <c>data.json</c> in the test folder may set <c>rtol</c> and <c>atol</c>.</summary>
    private static ValueComparer ToleranceOverride(string testDirectory, ValueComparer comparer)
    {
        string file = Path.Combine(testDirectory, "data.json");
        if (!File.Exists(file)) return comparer;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            var root = json.RootElement;
            if (root.TryGetProperty("rtol", out var r) && r.TryGetDouble(out var rtol)) comparer = comparer with { RelativeTolerance = rtol };
            if (root.TryGetProperty("atol", out var a) && a.TryGetDouble(out var atol)) comparer = comparer with { AbsoluteTolerance = atol };
            return comparer;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new StrataException(ErrorCode.InvalidInputFile, $"data.json is not valid JSON: {e.Message}", "fix or remove the file", file);
        }
    }

    /// <summary><c>prefix_0.pb</c>, <c>prefix_1.pb</c>, … up to the first gap.</summary>
    private static List<string> DataFiles(string dir, string prefix)
    {
        var files = new List<string>();
        for (int i = 0; ; i++)
        {
            string f = Path.Combine(dir, $"{prefix}_{i}.pb");
            if (!File.Exists(f)) return files;
            files.Add(f);
        }
    }

    /// <summary>One line for a failure: the Strata error code and message, or the exception type and message.</summary>
    public static string Describe(Exception e) => e switch
    {
        StrataException s => $"{s.CodeText} {s.Code}: {s.Message}{(s.Location is null ? "" : $" [at {s.Location}]")}",
        AggregateException { InnerException: { } inner } => Describe(inner),
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
