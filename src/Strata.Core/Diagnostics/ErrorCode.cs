namespace Strata.Core;

/// <summary>Stable error codes, printed as <c>E####</c>. Ranges: 1xxx model files and import, 2xxx IR and
/// verification, 3xxx evaluation, 4xxx user input and CLI, 5xxx plugins.</summary>
public enum ErrorCode
{
    MalformedModel = 1001,
    UnsupportedOp = 1002,
    MissingExternalData = 1003,
    UnsupportedDataType = 1004,
    InvalidTensorData = 1005,
    UnsupportedOpset = 1006,

    InvalidIr = 2001,
    TypeMismatch = 2002,
    ShapeMismatch = 2003,
    InvalidShape = 2004,
    InvalidAttribute = 2005,
    UndefinedValue = 2006,
    ParseError = 2007,
    VerificationFailed = 2008,

    EvaluationFailed = 3001,
    IndexOutOfRange = 3002,
    NotImplemented = 3003,

    MissingInput = 4001,
    UnknownInput = 4002,
    InputShapeMismatch = 4003,
    InputTypeMismatch = 4004,
    InvalidArgument = 4005,
    FileNotFound = 4006,
    InvalidInputFile = 4007,

    PluginLoadFailed = 5001,
    DuplicateRegistration = 5002,
}
