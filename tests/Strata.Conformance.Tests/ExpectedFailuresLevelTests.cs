namespace Strata.Conformance.Tests;

public sealed class ExpectedFailuresLevelTests
{
    [Fact]
    public void ForLevel_AddsTheLevelsOwnList_ToTheGraphList()
    {
        var dir = Directory.CreateTempSubdirectory("strata-xfail").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "expected-failures.tsv"), "# graph\ntest_a\tfails everywhere\n");
            File.WriteAllText(Path.Combine(dir, "expected-failures.tile.tsv"), "test_b\tfails at tile level\n");
            var graph = ExpectedFailures.ForLevel(dir, "graph");
            var tile = ExpectedFailures.ForLevel(dir, "tile");
            var block = ExpectedFailures.ForLevel(dir, "block");
            Assert.Equal(["test_a"], graph.Reasons.Keys);
            Assert.Equal(["test_a", "test_b"], tile.Reasons.Keys.Order());
            Assert.Equal("fails at tile level", tile.Reasons["test_b"]);
            Assert.Equal(["test_a"], block.Reasons.Keys);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
