"""The escrow's OPRF is RFC 9497's: the appendix A.1.1 vectors (ristretto255-SHA512, mode 0),
step by step, and the protocol's refusals."""

import pytest

from community.matching import oprf

SEED = bytes.fromhex("a3" * 32)
KEY_INFO = bytes.fromhex("74657374206b6579")  # "test key"
SK_SM = "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e"
BLIND = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706"
VECTORS = [
    {
        "input": "00",
        "blinded": "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
        "evaluated": "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",
        "output": "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3"
        "ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6",
    },
    {
        "input": "5a" * 17,
        "blinded": "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
        "evaluated": "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",
        "output": "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4"
        "f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73",
    },
]


def test_the_context_string_is_the_rfcs():
    assert oprf.CONTEXT.hex() == "4f50524656312d002d72697374726574746f3235352d534841353132"


def test_expand_message_xmd_matches_rfc_9380():
    # RFC 9380 appendix K.3, expand_message_xmd(SHA-512): 32 and 128 bytes.
    dst = b"QUUX-V01-CS02-with-expander-SHA512-256"
    assert oprf.expand_message_xmd(b"abc", dst, 32).hex() == (
        "0da749f12fbe5483eb066a5f595055679b976e93abe9be6f0f6318bce7aca8dc"
    )
    assert oprf.expand_message_xmd(b"abc", dst, 128).hex() == (
        "7f1dddd13c08b543f2e2037b14cefb255b44c83cc397c1786d975653e36a6b11"
        "bdd7732d8b38adb4a0edc26a0cef4bb45217135456e58fbca1703cd6032cb134"
        "7ee720b87972d63fbf232587043ed2901bce7f22610c0419751c065922b48843"
        "1851041310ad659e4b23520e1772ab29dcdeb2002222a363f0c2b1c972b3efe1"
    )
    assert oprf.expand_message_xmd(b"abcdef0123456789", dst, 32).hex() == (
        "087e45a86e2939ee8b91100af1583c4938e0f5fc6c9db4b107b83346bc967f58"
    )


def test_derive_key_pair_gives_the_rfc_key():
    secret, public = oprf.derive_key_pair(SEED, KEY_INFO)
    assert secret.hex() == SK_SM
    assert len(public) == 32


@pytest.mark.parametrize("vector", VECTORS, ids=["input-00", "input-5a17"])
def test_the_rfc_vectors_step_by_step(vector):
    message = bytes.fromhex(vector["input"])
    blind_scalar, blinded = oprf.blind(message, bytes.fromhex(BLIND))
    assert blinded.hex() == vector["blinded"]

    evaluated = oprf.blind_evaluate(bytes.fromhex(SK_SM), blinded)
    assert evaluated.hex() == vector["evaluated"]

    assert oprf.finalize(message, blind_scalar, evaluated).hex() == vector["output"]


def test_a_random_blind_gives_the_same_output():
    secret, _ = oprf.derive_key_pair(SEED, KEY_INFO)
    message = b"email:j.doe@example.com"
    outputs = set()
    blinded_elements = set()
    for _ in range(3):
        blind_scalar, blinded = oprf.blind(message)
        blinded_elements.add(blinded)
        outputs.add(oprf.finalize(message, blind_scalar, oprf.blind_evaluate(secret, blinded)))
    assert len(outputs) == 1
    assert len(blinded_elements) == 3  # the server sees a fresh element every time


def test_another_key_gives_another_output():
    message = b"email:j.doe@example.com"
    results = set()
    for info in (b"key one", b"key two"):
        secret, _ = oprf.derive_key_pair(SEED, info)
        blind_scalar, blinded = oprf.blind(message)
        results.add(oprf.finalize(message, blind_scalar, oprf.blind_evaluate(secret, blinded)))
    assert len(results) == 2


@pytest.mark.parametrize(
    "element",
    [bytes(32), b"\xff" * 32, bytes.fromhex(VECTORS[0]["blinded"])[:31], b""],
    ids=["identity", "non-canonical", "short", "empty"],
)
def test_blind_evaluate_refuses_what_is_not_a_valid_element(element):
    with pytest.raises(oprf.OprfError):
        oprf.blind_evaluate(bytes.fromhex(SK_SM), element)


def test_blind_evaluate_refuses_a_zero_or_unreduced_key():
    blinded = bytes.fromhex(VECTORS[0]["blinded"])
    with pytest.raises(oprf.OprfError):
        oprf.blind_evaluate(bytes(32), blinded)
    with pytest.raises(oprf.OprfError):
        oprf.blind_evaluate(b"\xff" * 32, blinded)
