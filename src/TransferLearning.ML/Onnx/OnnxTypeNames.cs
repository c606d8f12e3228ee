using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Onnx;

/// <summary>ONNX element types by the names the ONNX specification gives them (FLOAT, UINT8, BFLOAT16, ...).</summary>
internal static class OnnxTypeNames
{
    private static readonly string[] Names =
    [
        "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE",
        "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
        "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1", "FLOAT8E8M0", "UINT2", "INT2",
    ];

    public static string Of(int type) => type >= 0 && type < Names.Length ? Names[type] : $"element type {type}";

    public static string Of(DataType type) => Of((int)type);
}
