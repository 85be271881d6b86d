#!/usr/bin/env python3
"""Write the malformed .npy corpus (tests/data/npy_bad/*.npy) and a few
well-formed variants (tests/data/npy_good/*.npy), each for a buffer of 4
f32 elements (1.0, 2.0, 3.0, 4.0).  Every npy_bad file must be refused by
`vyrec run --in`, the C launcher and the Cargo launcher (tests/t_inputs.sh);
every npy_good file accepted by all three.  Run from the repository root;
the files are committed, so the tests need no Python."""
import os
import struct

DATA = struct.pack('<4f', 1.0, 2.0, 3.0, 4.0)
GOOD_DICT = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"


def npy(header, major=1, minor=0, data=DATA, pad=True, hlen=None):
    h = header.encode('latin1') if isinstance(header, str) else header
    pre = 10 if major == 1 else 12
    if pad:
        total = pre + len(h) + 1
        h = h + b' ' * ((64 - total % 64) % 64) + b'\n'
    n = len(h) if hlen is None else hlen
    ln = struct.pack('<H', n) if major == 1 else struct.pack('<I', n)
    return b'\x93NUMPY' + bytes([major, minor]) + ln + h + data


def d(descr="'<f4'", fortran='False', shape='(4,)'):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)


BAD = {
    'no_magic': b'\x92NUMPY' + npy(GOOD_DICT)[6:],
    'version_4_0': npy(GOOD_DICT, major=4),
    'version_1_1': npy(GOOD_DICT, minor=1),
    'short_preamble': b'\x93NUMPY\x01\x00',
    'hlen_past_end': npy(GOOD_DICT, hlen=4000, data=b''),
    'v2_short_length': b'\x93NUMPY\x02\x00\x40',
    'not_a_dict': npy("['descr', '<f4']"),
    'empty_dict': npy('{}'),
    'missing_descr': npy("{'fortran_order': False, 'shape': (4,), }"),
    'missing_fortran_order': npy("{'descr': '<f4', 'shape': (4,), }"),
    'missing_shape': npy("{'descr': '<f4', 'fortran_order': False, }"),
    'unknown_key': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}"),
    'duplicate_key': npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}"),
    'unquoted_key': npy("{descr: '<f4', 'fortran_order': False, 'shape': (4,)}"),
    'mixed_quotes_key': npy("{'descr\": '<f4', 'fortran_order': False, 'shape': (4,)}"),
    'descr_not_string': npy(d(descr='4')),
    'descr_unterminated': npy("{'descr': '<f4, 'fortran_order': False, 'shape': (4,)}"),
    'descr_escape': npy(d(descr="'<f\\x34'")),
    'descr_structured': npy(d(descr="[('a', '<f4')]")),
    'descr_descr_in_value_only': npy("{'shape': (4,), 'fortran_order': False, 'x': 'descr'}"),
    'fortran_lowercase': npy(d(fortran='false')),
    'fortran_int': npy(d(fortran='0')),
    'fortran_suffix': npy(d(fortran='Falsey')),
    'fortran_none': npy(d(fortran='None')),
    'fortran_string': npy(d(fortran="'False'")),
    'shape_int': npy(d(shape='4')),
    'shape_parenthesised_int': npy(d(shape='(4)')),
    'shape_list': npy(d(shape='[4]')),
    'shape_negative': npy(d(shape='(-4,)')),
    'shape_plus': npy(d(shape='(+4,)')),
    'shape_float': npy(d(shape='(4.0,)')),
    'shape_long_suffix': npy(d(shape='(4L,)')),
    'shape_underscore': npy(d(shape='(4_0,)')),
    'shape_leading_zero': npy(d(shape='(04,)')),
    'shape_hex': npy(d(shape='(0x4,)')),
    'shape_double_comma': npy(d(shape='(4,,)')),
    'shape_leading_comma': npy(d(shape='(,4)')),
    'shape_missing_comma': npy(d(shape='(2 2)')),
    'shape_unclosed': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, }"),
    'shape_product_overflow': npy(d(shape='(65536, 65536)')),
    'shape_product_overflow_3d': npy(d(shape='(4294967296, 1, 1)')),
    'shape_digits_overflow': npy(d(shape='(99999999999999999999999,)')),
    'shape_too_many_dims': npy(d(shape='(' + '1, ' * 65 + ')')),
    'missing_colon': npy("{'descr' '<f4', 'fortran_order': False, 'shape': (4,)}"),
    'missing_comma': npy("{'descr': '<f4' 'fortran_order': False, 'shape': (4,)}"),
    'semicolon': npy("{'descr': '<f4'; 'fortran_order': False, 'shape': (4,)}"),
    'text_after_dict': npy(GOOD_DICT + ' x'),
    'comment_after_dict': npy(GOOD_DICT + ' # c'),
    'two_dicts': npy(GOOD_DICT + '{}'),
    'nul_in_header': npy(GOOD_DICT + '\0'),
    'unclosed_dict': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,)"),
    'leading_space': npy(' ' + GOOD_DICT),
    'shape_then_garbage': npy(d(shape='(4,)x')),
    'data_truncated': npy(GOOD_DICT, data=DATA[:12]),
    'data_trailing': npy(GOOD_DICT, data=DATA + b'\0\0\0\0'),
    'shape_says_8': npy(d(shape='(8,)')),
}

GOOD = {
    'plain': npy(GOOD_DICT),
    'key_order': npy("{'shape': (4,), 'fortran_order': False, 'descr': '<f4'}"),
    'double_quotes': npy('{"descr": "<f4", "fortran_order": False, "shape": (4,)}'),
    'no_trailing_comma_2d': npy("{'descr':'<f4','fortran_order':False,'shape':(2,2)}"),
    'tuple_trailing_comma_2d': npy(d(shape='(2, 2,)')),
    'spaces_and_newlines': npy("{ 'descr' :\t'<f4' ,\n 'fortran_order' : False ,\n 'shape' : ( 4 , ) }"),
    'version_2_0': npy(GOOD_DICT, major=2),
    'version_3_0': npy(GOOD_DICT, major=3),
    'unpadded': npy(GOOD_DICT, pad=False),
}

here = os.path.dirname(os.path.abspath(__file__))
good_dir = os.path.join(os.path.dirname(here), 'npy_good')
os.makedirs(good_dir, exist_ok=True)
for name, b in BAD.items():
    with open(os.path.join(here, name + '.npy'), 'wb') as f:
        f.write(b)
for name, b in GOOD.items():
    with open(os.path.join(good_dir, name + '.npy'), 'wb') as f:
        f.write(b)
print(len(BAD), 'bad,', len(GOOD), 'good')
