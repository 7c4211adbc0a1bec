using Strata.Core;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Builds the exception a failed bounds check throws; the emitted code throws it before touching memory.</summary>
internal static class KernelFailure
{
    public static Exception OutOfBounds(string kernel, string access, long index, long lanes, long length) =>
        new StrataException(ErrorCode.EvaluationFailed,
            $"kernel @{kernel}: {access}[{index}]{(lanes == 1 ? "" : $" ({lanes} lanes)")} is out of bounds (length {length})",
            "a lowering bug: run strata check / --level machine", $"native kernel @{kernel}");
}
