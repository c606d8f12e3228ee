using System.Buffers.Binary;
using Google.Protobuf;
using TorchSharp;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>TensorProto values read the same from typed fields and from little-endian raw_data.</summary>
public sealed class TensorDataTests
{
    private static readonly double[] Values = [-3, 0, 1, 2, 100, -100];

    /// <summary>ONNX element type numbers: FLOAT, DOUBLE, FLOAT16, INT8, UINT8, INT32, INT64.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(11)]
    [InlineData(10)]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(7)]
    public void Typed_fields_and_raw_data_read_the_same(int elementType)
    {
        var type = (DataType)elementType;
        double[] expected = type == DataType.Uint8 ? Values.Select(v => Math.Abs(v)).ToArray() : Values;
        Assert.Equal(expected, TensorData.ToDoubleArray(Typed(type, expected)));
        Assert.Equal(expected, TensorData.ToDoubleArray(Raw(type, expected)));
        Assert.Equal(expected.Select(v => (float)v), TensorData.ToFloatArray(Raw(type, expected)));
        Assert.Equal(expected.Select(v => (long)v), TensorData.ToInt64Array(Typed(type, expected)));
    }

    [Fact]
    public void Bool_tensors_read_as_zero_and_one()
    {
        var t = new TensorProto { DataType = (int)DataType.Bool, RawData = ByteString.CopyFrom(1, 0, 1) };
        t.Dims.Add(3);
        Assert.Equal([1.0, 0.0, 1.0], TensorData.ToDoubleArray(t));
        using var tensor = TensorData.ToTorch(t);
        Assert.Equal(torch.ScalarType.Bool, tensor.dtype);
    }

    [Fact]
    public void Float_tensor_round_trips_through_raw_data()
    {
        using var original = torch.randn(2, 3, generator: new torch.Generator(4));
        TensorProto proto = TensorData.FromTorch("w", original);
        Assert.Equal((int)DataType.Float, proto.DataType);
        Assert.Equal(24, proto.RawData.Length);
        using var back = TensorData.ToTorch(proto);
        Assert.Equal(original.data<float>().ToArray(), back.data<float>().ToArray());
        Assert.Equal(original.shape, back.shape);
    }

    [Fact]
    public void External_data_is_refused_with_a_hint()
    {
        var t = new TensorProto { Name = "conv.weight", DataType = (int)DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.Add(4);
        var error = Assert.Throws<NotSupportedException>(() => TensorData.ToFloatArray(t));
        Assert.Contains("conv.weight", error.Message);
        Assert.Contains("external", error.Message);
    }

    private static TensorProto Typed(DataType type, double[] values)
    {
        var t = new TensorProto { DataType = (int)type };
        t.Dims.Add(values.Length);
        switch (type)
        {
            case DataType.Float: t.FloatData.Add(values.Select(v => (float)v)); break;
            case DataType.Double: t.DoubleData.Add(values); break;
            case DataType.Int64: t.Int64Data.Add(values.Select(v => (long)v)); break;
            case DataType.Float16: t.Int32Data.Add(values.Select(v => (int)BitConverter.HalfToUInt16Bits((Half)v))); break;
            default: t.Int32Data.Add(values.Select(v => (int)v)); break;
        }
        return t;
    }

    private static TensorProto Raw(DataType type, double[] values)
    {
        int size = type switch { DataType.Double or DataType.Int64 => 8, DataType.Float or DataType.Int32 => 4, DataType.Float16 => 2, _ => 1 };
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> at = bytes.AsSpan(i * size);
            switch (type)
            {
                case DataType.Float: BinaryPrimitives.WriteSingleLittleEndian(at, (float)values[i]); break;
                case DataType.Double: BinaryPrimitives.WriteDoubleLittleEndian(at, values[i]); break;
                case DataType.Float16: BinaryPrimitives.WriteHalfLittleEndian(at, (Half)values[i]); break;
                case DataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(at, (int)values[i]); break;
                case DataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(at, (long)values[i]); break;
                case DataType.Int8: at[0] = (byte)(sbyte)values[i]; break;
                default: at[0] = (byte)values[i]; break;
            }
        }
        var t = new TensorProto { DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.Add(values.Length);
        return t;
    }
}
