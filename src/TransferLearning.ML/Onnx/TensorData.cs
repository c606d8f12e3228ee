using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using TorchSharp;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Converts ONNX <see cref="TensorProto"/> values to TorchSharp tensors and plain arrays and back. Reads every
/// storage an exporter may use (typed fields or little-endian <c>raw_data</c>) for FLOAT, DOUBLE, FLOAT16, INT8,
/// UINT8, INT32, INT64 and BOOL.
/// </summary>
internal static class TensorData
{
    /// <summary>The dimensions of <paramref name="tensor"/>.</summary>
    public static long[] Shape(TensorProto tensor) => tensor.Dims.ToArray();

    /// <summary>The number of elements <paramref name="tensor"/> declares (1 for a scalar).</summary>
    public static long ElementCount(TensorProto tensor)
    {
        long count = 1;
        foreach (long d in tensor.Dims) count *= d;
        return count;
    }

    /// <summary>Whether the element type is a floating-point type (FLOAT, DOUBLE, FLOAT16, BFLOAT16).</summary>
    public static bool IsFloatingPoint(TensorProto tensor) =>
        (DataType)tensor.DataType is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;

    /// <summary>Reads the values as float32, whatever the stored numeric type.</summary>
    /// <exception cref="NotSupportedException">The type is not numeric, or the data lives in an external file.</exception>
    public static float[] ToFloatArray(TensorProto tensor)
    {
        if ((DataType)tensor.DataType == DataType.Float && tensor.DataLocation != TensorProto.Types.DataLocation.External)
        {
            if (tensor.RawData.Length == 0) return tensor.FloatData.ToArray();
            if (BitConverter.IsLittleEndian)
            {
                if (tensor.RawData.Length != ElementCount(tensor) * 4)
                    throw new InvalidDataException(
                        $"Tensor '{tensor.Name}' declares {ElementCount(tensor)} floats but its raw_data holds {tensor.RawData.Length} bytes; the ONNX file is damaged.");
                return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
            }
        }
        double[] values = ToDoubleArray(tensor);
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (float)values[i];
        return result;
    }

    /// <summary>Reads the values as int64, whatever the stored numeric type (floats are truncated).</summary>
    /// <exception cref="NotSupportedException">The type is not numeric, or the data lives in an external file.</exception>
    public static long[] ToInt64Array(TensorProto tensor)
    {
        var type = (DataType)tensor.DataType;
        if (type == DataType.Int64)
        {
            EnsureInline(tensor);
            if (tensor.RawData.Length > 0)
                return MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray();
            return tensor.Int64Data.ToArray();
        }
        double[] values = ToDoubleArray(tensor);
        var result = new long[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (long)values[i];
        return result;
    }

    /// <summary>Reads the values as float64, whatever the stored numeric type.</summary>
    /// <exception cref="NotSupportedException">The type is not numeric, or the data lives in an external file.</exception>
    public static double[] ToDoubleArray(TensorProto tensor)
    {
        EnsureInline(tensor);
        var type = (DataType)tensor.DataType;
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        bool hasRaw = raw.Length > 0;
        int count = checked((int)ElementCount(tensor));
        var result = new double[count];
        switch (type)
        {
            case DataType.Float:
                if (hasRaw) { for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]); }
                else Fill(result, tensor.FloatData, v => v);
                break;
            case DataType.Double:
                if (hasRaw) { for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * 8)..]); }
                else Fill(result, tensor.DoubleData, v => v);
                break;
            case DataType.Float16:
                if (hasRaw) { for (int i = 0; i < count; i++) result[i] = (double)BinaryPrimitives.ReadHalfLittleEndian(raw[(i * 2)..]); }
                else Fill(result, tensor.Int32Data, v => (double)BitConverter.UInt16BitsToHalf((ushort)v));
                break;
            case DataType.Int8:
                if (hasRaw) { for (int i = 0; i < count; i++) result[i] = (sbyte)raw[i]; }
                else Fill(result, tensor.Int32Data, v => (sbyte)v);
                break;
            case DataType.Uint8:
            case DataType.Bool:
                if (hasRaw) { for (int i = 0; i < count; i++) result[i] = raw[i]; }
                else Fill(result, tensor.Int32Data, v => (byte)v);
                break;
            case DataType.Int32:
                if (hasRaw) { for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(i * 4)..]); }
                else Fill(result, tensor.Int32Data, v => v);
                break;
            case DataType.Int64:
                if (hasRaw) { for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(i * 8)..]); }
                else Fill(result, tensor.Int64Data, v => v);
                break;
            default:
                throw new NotSupportedException(
                    $"Tensor '{tensor.Name}' has element type {OnnxTypeNames.Of(type)}, which TransferLearning.ML cannot read; " +
                    "use FLOAT, DOUBLE, FLOAT16, INT8, UINT8, INT32, INT64 or BOOL.");
        }
        return result;
    }

    /// <summary>
    /// Creates a TorchSharp tensor holding the values: float32 for FLOAT and FLOAT16, float64 for DOUBLE, int64 for
    /// INT64, int32 for INT32, uint8 for UINT8, int8 for INT8, bool for BOOL.
    /// </summary>
    /// <exception cref="NotSupportedException">The type is not supported, or the data lives in an external file.</exception>
    public static Tensor ToTorch(TensorProto tensor)
    {
        long[] shape = Shape(tensor);
        switch ((DataType)tensor.DataType)
        {
            case DataType.Float:
            case DataType.Float16:
                return torch.tensor(ToFloatArray(tensor), shape);
            case DataType.Double:
                return torch.tensor(ToDoubleArray(tensor), shape);
            case DataType.Int64:
                return torch.tensor(ToInt64Array(tensor), shape);
            case DataType.Int32:
                return torch.tensor(ToInt64Array(tensor), shape).to_type(ScalarType.Int32);
            case DataType.Uint8:
                return torch.tensor(ToInt64Array(tensor), shape).to_type(ScalarType.Byte);
            case DataType.Int8:
                return torch.tensor(ToInt64Array(tensor), shape).to_type(ScalarType.Int8);
            case DataType.Bool:
                return torch.tensor(ToInt64Array(tensor), shape).to_type(ScalarType.Bool);
            default:
                EnsureInline(tensor);
                throw new NotSupportedException(
                    $"Tensor '{tensor.Name}' has element type {OnnxTypeNames.Of(tensor.DataType)}, which TransferLearning.ML cannot read; " +
                    "use FLOAT, DOUBLE, FLOAT16, INT8, UINT8, INT32, INT64 or BOOL.");
        }
    }

    /// <summary>
    /// Writes a tensor as an ONNX initializer named <paramref name="name"/>: float tensors (any float type) as
    /// FLOAT raw_data, integer tensors as INT64 raw_data, bool as BOOL.
    /// </summary>
    public static TensorProto FromTorch(string name, Tensor value)
    {
        using var scope = torch.NewDisposeScope();
        Tensor cpu = value.detach().cpu().contiguous();
        var proto = new TensorProto { Name = name };
        proto.Dims.Add(cpu.shape);
        if (cpu.is_floating_point())
        {
            proto.DataType = (int)DataType.Float;
            float[] data = cpu.to_type(ScalarType.Float32).data<float>().ToArray();
            proto.RawData = ByteString.CopyFrom(LittleEndianBytes(data));
        }
        else if (cpu.dtype == ScalarType.Bool)
        {
            proto.DataType = (int)DataType.Bool;
            proto.RawData = ByteString.CopyFrom(cpu.to_type(ScalarType.Byte).data<byte>().ToArray());
        }
        else
        {
            proto.DataType = (int)DataType.Int64;
            long[] data = cpu.to_type(ScalarType.Int64).data<long>().ToArray();
            var bytes = new byte[data.Length * 8];
            for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), data[i]);
            proto.RawData = ByteString.CopyFrom(bytes);
        }
        return proto;
    }

    /// <summary>Writes float values as FLOAT raw_data into a new initializer.</summary>
    public static TensorProto FromFloats(string name, float[] values, long[] shape)
    {
        var proto = new TensorProto { Name = name, DataType = (int)DataType.Float };
        proto.Dims.Add(shape);
        proto.RawData = ByteString.CopyFrom(LittleEndianBytes(values));
        return proto;
    }

    private static byte[] LittleEndianBytes(float[] values)
    {
        if (BitConverter.IsLittleEndian) return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    private static void Fill<T>(double[] result, IReadOnlyList<T> source, Func<T, double> convert)
    {
        if (source.Count != result.Length && !(result.Length == 1 && source.Count == 1))
            throw new InvalidDataException(
                $"A tensor declares {result.Length} elements but stores {source.Count}; the ONNX file is damaged or was written incorrectly.");
        for (int i = 0; i < result.Length; i++) result[i] = convert(source[i]);
    }

    private static void EnsureInline(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            throw new NotSupportedException(
                $"Tensor '{tensor.Name}' keeps its data in an external file; load the model with OnnxModel, which " +
                "resolves external data next to the .onnx file, before converting it.");
    }
}
