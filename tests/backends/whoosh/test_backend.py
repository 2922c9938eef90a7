"""The embedded backend tells damage in its files (rebuild) from a bug (an error as it is)."""

import errno
import struct

import pytest

from search.backends.whoosh.backend import is_damage, is_unavailable


def raised(action) -> BaseException:
    with pytest.raises(BaseException) as caught:
        action()
    return caught.value


def test_an_error_raised_in_our_own_code_is_a_bug_not_damage():
    assert not is_damage(raised(lambda: {}["missing"]))
    assert not is_damage(raised(lambda: None.attribute))


def test_a_truncated_read_is_damage(tmp_path):
    assert is_damage(raised(lambda: struct.unpack("<I", b"\x00")))
    assert is_damage(raised(lambda: (tmp_path / "gone.pst").read_bytes()))


def test_a_read_refused_or_failing_for_now_is_unavailable_not_damage():
    refused = PermissionError(errno.EACCES, "Permission denied")
    assert is_unavailable(refused) and not is_unavailable(FileNotFoundError(errno.ENOENT, "gone"))
    assert is_unavailable(OSError(errno.EIO, "Input/output error"))
