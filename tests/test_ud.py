import pytest

from align_transfer.core.io import InputError
from align_transfer.data.ud import UPOS, read_conllu

GOOD = """# sent_id = s1
# text = Il parle du chat.
1	Il	il	PRON	_	_	2	nsubj	_	_
2	parle	parler	VERB	_	_	0	root	_	_
3-4	du	_	_	_	_	_	_	_	_
3	de	de	ADP	_	_	5	case	_	_
4	le	le	DET	_	_	5	det	_	_
5	chat	chat	NOUN	_	_	2	obl	_	SpaceAfter=No
5.1	parle	parler	VERB	_	_	_	_	2:conj	_
6	.	.	PUNCT	_	_	2	punct	_	_

# sent_id = s2
1	Oui	oui	INTJ	_	_	0	root	_	_
"""


def write(tmp_path, text):
    path = tmp_path / "t.conllu"
    path.write_text(text)
    return path


def test_words_are_syntactic_words_not_ranges_or_empty_nodes(tmp_path):
    sentences = read_conllu(write(tmp_path, GOOD))
    assert sentences[0] == {
        "sent_id": "s1",
        "words": ["Il", "parle", "de", "le", "chat", "."],
        "upos": ["PRON", "VERB", "ADP", "DET", "NOUN", "PUNCT"],
    }
    assert sentences[1]["words"] == ["Oui"]  # the last sentence needs no trailing blank line


def test_the_17_universal_tags():
    assert len(UPOS) == 17 == len(set(UPOS))


@pytest.mark.parametrize(
    "bad_line, line_number, message",
    [
        ("3\tdu\tde\tADP\t_\t_\t2\tcase\t_", 5, "expected 10 tab-separated columns, found 9"),
        ("3\tdu\tde\tPREP\t_\t_\t2\tcase\t_\t_", 5, "unknown UPOS 'PREP'"),
        ("5\tdu\tde\tADP\t_\t_\t2\tcase\t_\t_", 5, r"word ID 5 out of sequence \(expected 3\)"),
        ("x\tdu\tde\tADP\t_\t_\t2\tcase\t_\t_", 5, "malformed ID 'x'"),
        ("4-5\tdu\t_\t_\t_\t_\t_\t_\t_\t_", 5, "multiword token range 4-5 is out of place"),
    ],
)
def test_malformed_conllu_names_file_and_line(tmp_path, bad_line, line_number, message):
    lines = GOOD.splitlines()[:4] + [bad_line]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"t\.conllu:{line_number}: {message}"):
        read_conllu(path)
