namespace Strata.Bench.Engines;

/// <summary>How ONNX Runtime's intra-op threads wait for work. It matters only at 2+ threads (at 1 thread ORT has no
/// pool threads), and on a 2-core machine it decides who gets the second core: a pool thread that spins after its Run
/// returned keeps that core busy while the Strata run that follows it in the interleaved order executes.</summary>
public enum OrtSpinning
{
    /// <summary>Spin while a Run executes (between ORT's kernels, where ORT relies on it) and stop when the Run returns:
    /// ORT's documented <c>session.force_spinning_stop = 1</c>. Neither engine runs beside the other's spinning
    /// threads, so this is the default of the interleaved benchmark.</summary>
    WithinRun,

    /// <summary>ORT's default: threads keep spinning after a Run returns, so back-to-back ORT runs find them awake.
    /// In the interleaved order the spinning thread takes a core from the Strata run that follows.</summary>
    Always,

    /// <summary><c>session.intra_op.allow_spinning = 0</c>: threads block whenever they are idle, also inside a Run.</summary>
    Off,
}
