"""Every kind of bad input gives an error naming the file, row or column, expected and found."""

import numpy as np
import pandas as pd
import pytest

from digits_helpers.data import pixel_columns, read_digits_csv


def frame(n=4, labelled=True):
    rng = np.random.default_rng(0)
    out = pd.DataFrame(rng.integers(0, 256, (n, 784)), columns=pixel_columns())
    if labelled:
        out.insert(0, "label", np.arange(n) % 10)
    return out


def write(tmp_path, df, name="train.csv"):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def test_good_file_reads(tmp_path):
    X, y = read_digits_csv(write(tmp_path, frame()), labelled=True)
    assert X.shape == (4, 784) and X.dtype == np.uint8 and list(y) == [0, 1, 2, 3]
    X, y = read_digits_csv(write(tmp_path, frame(labelled=False), "test.csv"), labelled=False)
    assert X.shape == (4, 784) and y is None


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train\.csv: no such file"):
        read_digits_csv(tmp_path / "train.csv", labelled=True)


def test_empty_file(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("")
    with pytest.raises(ValueError, match=r"train\.csv: the file is empty"):
        read_digits_csv(path, labelled=True)
    path.write_text("\n\n")
    with pytest.raises(ValueError, match="empty"):
        read_digits_csv(path, labelled=True)


def test_header_without_rows(tmp_path):
    path = write(tmp_path, frame().head(0))
    with pytest.raises(ValueError, match="a header but no data rows"):
        read_digits_csv(path, labelled=True)


def test_missing_label_column(tmp_path):
    path = write(tmp_path, frame().drop(columns="label"))
    with pytest.raises(ValueError, match=r"train\.csv: missing column 'label'"):
        read_digits_csv(path, labelled=True)


def test_label_column_in_test_file(tmp_path):
    path = write(tmp_path, frame(), "test.csv")
    with pytest.raises(ValueError, match=r"test\.csv: unexpected column 'label'"):
        read_digits_csv(path, labelled=False)


def test_extra_column(tmp_path):
    df = frame()
    df["comment"] = "x"
    with pytest.raises(ValueError, match=r"unexpected column 'comment'; expected 785 columns .* found 786"):
        read_digits_csv(write(tmp_path, df), labelled=True)


def test_misnamed_column(tmp_path):
    df = frame().rename(columns={"pixel4": "pixl4"})
    with pytest.raises(ValueError, match=r"column 6 is named 'pixl4', expected 'pixel4'"):
        read_digits_csv(write(tmp_path, df), labelled=True)


def test_wrong_pixel_count(tmp_path):
    df = frame().drop(columns="pixel783")
    expected = r"783 pixel columns, expected 784 \(28x28 images\); missing column 'pixel783'"
    with pytest.raises(ValueError, match=expected):
        read_digits_csv(write(tmp_path, df), labelled=True)


def test_columns_out_of_order(tmp_path):
    df = frame()
    cols = list(df.columns)
    cols[1], cols[2] = cols[2], cols[1]
    with pytest.raises(ValueError, match=r"column 2 is 'pixel1', expected 'pixel0'"):
        read_digits_csv(write(tmp_path, df[cols]), labelled=True)


def test_ragged_row(tmp_path):
    path = write(tmp_path, frame())
    with path.open("a") as f:
        f.write(",".join(["1"] * 790) + "\n")
    with pytest.raises(ValueError, match=r"train\.csv: malformed CSV .*line 6"):
        read_digits_csv(path, labelled=True)


def test_nan_value(tmp_path):
    df = frame().astype(object)
    df.loc[2, "pixel10"] = None
    with pytest.raises(ValueError, match=r"row 3 \(line 4\), column 'pixel10' is empty; expected an integer"):
        read_digits_csv(write(tmp_path, df), labelled=True)


def test_non_integer_value(tmp_path):
    df = frame().astype(object)
    df.loc[1, "pixel7"] = 12.5
    with pytest.raises(ValueError, match=r"row 2 \(line 3\), column 'pixel7' holds 12\.5; expected an integer"):
        read_digits_csv(write(tmp_path, df), labelled=True)


def test_text_value(tmp_path):
    df = frame().astype(object)
    df.loc[0, "label"] = "seven"
    with pytest.raises(ValueError, match=r"row 1 \(line 2\), column 'label' holds 'seven'; expected an integer"):
        read_digits_csv(write(tmp_path, df), labelled=True)


@pytest.mark.parametrize("value", [-1, 256])
def test_pixel_out_of_range(tmp_path, value):
    df = frame()
    df.loc[3, "pixel783"] = value
    with pytest.raises(ValueError, match=rf"row 4 \(line 5\), column 'pixel783' is {value}; expected 0-255"):
        read_digits_csv(write(tmp_path, df), labelled=True)


@pytest.mark.parametrize("value", [-1, 10])
def test_label_out_of_range(tmp_path, value):
    df = frame()
    df.loc[0, "label"] = value
    with pytest.raises(ValueError, match=rf"row 1 \(line 2\), column 'label' is {value}; expected 0-9"):
        read_digits_csv(write(tmp_path, df), labelled=True)
