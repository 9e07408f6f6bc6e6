"""The sealer's tokens are standard Fernet tokens, each with its own IV, never shared across a fork."""

from __future__ import annotations

import base64
import os
import time

from cryptography.fernet import Fernet, MultiFernet

from supervision.crypto import Sealer, _IVPool


def _iv(token: str) -> bytes:
    raw = base64.urlsafe_b64decode(token)
    assert raw[0] == 0x80  # Fernet version byte
    return raw[9:25]


def test_tokens_open_with_fernet_itself_and_carry_the_time_of_sealing():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealer = Sealer([new, old])
    before = int(time.time())
    token = sealer.seal({"姓名": "张三", "phone": "13800000000"})
    expected = '{"phone": "13800000000", "姓名": "张三"}'.encode()
    assert MultiFernet([Fernet(new)]).decrypt(token.encode()) == expected
    assert Fernet(new).extract_timestamp(token.encode()) >= before
    assert sealer.unseal(token) == {"姓名": "张三", "phone": "13800000000"}
    assert Sealer([new, old]).unseal(Sealer([old]).seal({"a": 1})) == {"a": 1}  # rotation: old still opens


def test_every_token_has_its_own_iv_across_several_pool_draws():
    sealer = Sealer([Fernet.generate_key()])
    ivs = [_iv(sealer.seal({"n": i})) for i in range(3 * _IVPool.PER_DRAW + 7)]
    assert len(set(ivs)) == len(ivs)


def test_a_forked_child_draws_its_own_ivs():
    pool = _IVPool()
    pool.take()  # the parent's pool is filled: a child sharing it would take the parent's next IV
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send its first IV, exit at once
        try:
            os.write(write, pool.take())
        finally:
            os._exit(0)
    os.close(write)
    child_iv = os.read(read, 16)
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child_iv) == 16
    assert child_iv != pool.take()
