using Strata.Core;
using Strata.Graph;

namespace Strata.Graph.Tests.Plugins;

public class PluginLoaderTests
{
    private static string SamplePluginPath()
    {
        // Same configuration folder layout as this test assembly: .../bin/<Config>/net10.0/
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory);
        string tfm = baseDir.Name, config = baseDir.Parent!.Name;
        var root = baseDir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Strata.slnx"))) root = root.Parent;
        Assert.NotNull(root);
        return Path.Combine(root!.FullName, "samples", "SquarePlugin", "bin", config, tfm, "SquarePlugin.dll");
    }

    [Fact]
    public void ExternalPluginRegistersAnOpThatTheInterpreterRuns()
    {
        var registry = new ExtensionRegistry();
        registry.Load(new BuiltinOpsPlugin());
        var names = PluginLoader.Load(SamplePluginPath(), registry);
        Assert.Equal(["sample.square"], names);

        var g = new Graph("sq");
        g.OpsetImports["sample"] = 1;
        var x = new Value("x", new TensorType(DataType.Float32, Shape.Of(3)));
        var y = new Value("y");
        g.Inputs.Add(x);
        g.Nodes.Add(new Node("Square", [x], [y], domain: "sample"));
        g.Outputs.Add(y);
        var outputs = new GraphInterpreter(new OpRegistry(registry)).Run(g,
            new Dictionary<string, RuntimeValue> { ["x"] = Tensor<float>.FromArray([1f, -2f, 3f], 3) });
        Assert.Equal([1f, 4f, 9f], ((Tensor<float>)outputs["y"]!).ToArray());
    }

    [Fact]
    public void DuplicateRegistrationIsAnErrorUnlessReplacing()
    {
        var registry = new ExtensionRegistry();
        var op = new OpSchema("t", "Op", null, c => []);
        registry.AddOp(op);
        var e = Assert.Throws<StrataException>(() => registry.AddOp(op));
        Assert.Equal(ErrorCode.DuplicateRegistration, e.Code);
        registry.AddOp(op, replace: true);
    }

    [Fact]
    public void MissingOrBadPluginFilesGiveClearErrors()
    {
        var registry = new ExtensionRegistry();
        Assert.Equal(ErrorCode.PluginLoadFailed,
            Assert.Throws<StrataException>(() => PluginLoader.Load("/nonexistent/plugin.dll", registry)).Code);
        var junk = Path.GetTempFileName() + ".dll";
        File.WriteAllBytes(junk, [1, 2, 3, 4]);
        try
        {
            Assert.Equal(ErrorCode.PluginLoadFailed, Assert.Throws<StrataException>(() => PluginLoader.Load(junk, registry)).Code);
        }
        finally { File.Delete(junk); }
    }

    [Fact]
    public void PluginForAnotherContractMajorIsRejected()
    {
        var e = Assert.Throws<StrataException>(() => new ExtensionRegistry().Load(new FuturePlugin()));
        Assert.Equal(ErrorCode.PluginLoadFailed, e.Code);
    }

    private sealed class FuturePlugin : IStrataPlugin
    {
        public string Name => "future";
        public Version ContractVersion => new(PluginContract.Version.Major + 1, 0);
        public void Register(ExtensionRegistry registry) { }
    }
}
