using Microsoft.ML;
using Microsoft.ML.Data;

namespace TransferLearning.ML.Data;

/// <summary>Reads image paths or bytes and labels from an ML.NET <see cref="IDataView"/>.</summary>
internal static class DataViewImport
{
    public static ImageDataset Read(IDataView data, string imageColumn, string labelColumn, ImageDatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        DataViewSchema.Column image = FindColumn(data, imageColumn, "image");
        DataViewSchema.Column label = FindColumn(data, labelColumn, "label");
        bool isPath = image.Type is TextDataViewType;
        bool isBytes = image.Type is VectorDataViewType { ItemType: NumberDataViewType n } && n.RawType == typeof(byte);
        if (!isPath && !isBytes)
            throw new ImageDataException(
                $"Column '{imageColumn}' is {image.Type}; it must hold a path (text) or encoded image bytes (vector of Byte).");

        Func<DataViewRow, Func<string>> labelReader = LabelReader(label, labelColumn, out string[]? keyNames);
        var skipped = new List<SkippedFile>();
        var entries = new List<DatasetEntry>();
        using DataViewRowCursor cursor = data.GetRowCursor([image, label]);
        ValueGetter<ReadOnlyMemory<char>>? pathGetter = isPath ? cursor.GetGetter<ReadOnlyMemory<char>>(image) : null;
        ValueGetter<VBuffer<byte>>? bytesGetter = isBytes ? cursor.GetGetter<VBuffer<byte>>(image) : null;
        Func<string> readLabel = labelReader(cursor);
        ReadOnlyMemory<char> path = default;
        VBuffer<byte> bytes = default;
        long row = 0;
        while (cursor.MoveNext())
        {
            string className = readLabel();
            if (pathGetter is not null)
            {
                pathGetter(ref path);
                string file = path.ToString();
                if (ImageFolderReader.CheckFile(file, options, skipped, $"row {row} of the data view"))
                    entries.Add(new DatasetEntry(ImageSource.FromFile(file), className, null));
            }
            else
            {
                bytesGetter!(ref bytes);
                string name = $"row {row} of column '{imageColumn}'";
                byte[] copy = bytes.DenseValues().ToArray();
                if (copy.Length == 0)
                {
                    if (!options.SkipUnreadableImages)
                        throw new ImageDataException($"{name} holds no bytes; pass SkipUnreadableImages = true to leave it out.", name);
                    skipped.Add(new SkippedFile(name, "no bytes"));
                }
                else entries.Add(new DatasetEntry(ImageSource.FromBytes(copy, name), className, null));
            }
            row++;
        }
        // a key column already fixes the class order: keep it rather than sorting the names
        if (keyNames is not null && options.ClassNames is null && keyNames.Distinct(StringComparer.Ordinal).Count() == keyNames.Length)
            options = options with { ClassNames = keyNames };
        return DatasetAssembler.Assemble(entries, options, skipped, "the data view");
    }

    private static DataViewSchema.Column FindColumn(IDataView data, string name, string role) =>
        data.Schema.GetColumnOrNull(name) ?? throw new ImageDataException(
            $"The data view has no {role} column '{name}' (columns: {string.Join(", ", data.Schema.Select(c => c.Name))}).");

    private static Func<DataViewRow, Func<string>> LabelReader(DataViewSchema.Column label, string name, out string[]? keyNames)
    {
        keyNames = null;
        switch (label.Type)
        {
            case TextDataViewType:
                return row =>
                {
                    ValueGetter<ReadOnlyMemory<char>> get = row.GetGetter<ReadOnlyMemory<char>>(label);
                    ReadOnlyMemory<char> value = default;
                    return () => { get(ref value); return value.ToString(); };
                };
            case KeyDataViewType:
                string[]? names = null;
                if (label.Annotations.Schema.GetColumnOrNull("KeyValues") is not null)
                {
                    VBuffer<ReadOnlyMemory<char>> keyValues = default;
                    label.GetKeyValues(ref keyValues);
                    names = keyValues.DenseValues().Select(v => v.ToString()).ToArray();
                    keyNames = names;
                }
                return row =>
                {
                    ValueGetter<uint> get = row.GetGetter<uint>(label);
                    uint key = 0;
                    return () =>
                    {
                        get(ref key);
                        if (key == 0) throw new ImageDataException($"A row of label column '{name}' holds a missing key (0).");
                        return names is not null ? names[key - 1] : (key - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    };
                };
            case BooleanDataViewType:
                return Typed<bool>(label, v => v ? "true" : "false");
            case NumberDataViewType n when n.RawType == typeof(int):
                return Typed<int>(label, v => v.ToString(System.Globalization.CultureInfo.InvariantCulture));
            case NumberDataViewType n when n.RawType == typeof(long):
                return Typed<long>(label, v => v.ToString(System.Globalization.CultureInfo.InvariantCulture));
            case NumberDataViewType n when n.RawType == typeof(uint):
                return Typed<uint>(label, v => v.ToString(System.Globalization.CultureInfo.InvariantCulture));
            default:
                throw new ImageDataException(
                    $"Label column '{name}' is {label.Type}; use text, a key, an integer or a boolean.");
        }
    }

    private static Func<DataViewRow, Func<string>> Typed<T>(DataViewSchema.Column column, Func<T, string> format) => row =>
    {
        ValueGetter<T> get = row.GetGetter<T>(column);
        T value = default!;
        return () => { get(ref value); return format(value); };
    };
}
