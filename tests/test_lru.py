"""LRUCache: bounded in bytes, least recently used first, never keeping what cannot fit."""

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.kernel.lru import LRUCache, nbytes_of


def block(nbytes, fill=0):
    return np.full(nbytes, fill, np.uint8)


def test_the_least_recently_used_goes_first_and_a_get_is_a_use():
    cache = LRUCache(300)
    for key in "abc":
        cache.put(key, block(100))
    assert cache.get("a") is not None  # now "b" is the least recently used
    cache.put("d", block(100))
    assert ("a" in cache, "b" in cache, "c" in cache, "d" in cache) == (True, False, True, True)
    cache.put("e", block(150))  # makes room for 150 bytes: "c" then "a" go
    assert [key for key in "abcde" if key in cache] == ["d", "e"] and cache.nbytes == 250


def test_a_value_bigger_than_the_budget_is_not_kept_and_drops_what_it_replaces():
    cache = LRUCache(100)
    cache.put("small", block(60))
    cache.put("huge", block(101))
    assert "huge" not in cache and cache.get("small") is not None and cache.nbytes == 60
    cache.put("small", block(101))  # the key's older value is stale now: it goes too
    assert len(cache) == 0 and cache.nbytes == 0 and cache.get("small") is None
    empty = LRUCache(0)
    empty.put("any", block(1))
    assert len(empty) == 0


def test_values_are_weighed_by_their_arrays_or_by_the_weigh_given():
    cache = LRUCache(1 << 20)
    cache.put("pair", (np.zeros((3, 8, 8), np.float32), np.zeros((1, 8, 8), np.float32)))
    cache.put("list", [block(10), (block(5), block(1))])
    assert cache.nbytes == 4 * 8 * 8 * 4 + 16
    with pytest.raises(TypeError, match="cannot weigh a str: give it a weigh function"):
        cache.put("text", "not an array")
    assert nbytes_of(()) == 0
    texts = LRUCache(10, weigh=len)
    texts.put(1, "abcdef")
    texts.put(2, "ghijk")
    assert 1 not in texts and texts.get(2) == "ghijk" and texts.nbytes == 5
    with pytest.raises(ValueError, match="max_bytes must be >= 0, got -1"):
        LRUCache(-1)


def test_clear_empties_it():
    cache = LRUCache(100)
    cache.put(1, block(50))
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0 and 1 not in cache


operations = st.lists(st.one_of(
    st.tuples(st.just("put"), st.integers(0, 12), st.integers(0, 140)),
    st.tuples(st.just("get"), st.integers(0, 12), st.just(0)),
), max_size=120)


@given(budget=st.integers(0, 400), steps=operations)
def test_the_byte_bound_holds_under_any_sequence_of_puts_and_gets(budget, steps):
    cache = LRUCache(budget)
    latest = {}  # key -> the value last put under it
    for step, (operation, key, size) in enumerate(steps):
        if operation == "put":
            value = block(size, step % 256)
            cache.put(key, value)
            latest[key] = value
            assert (key in cache) == (size <= budget)  # the newest is kept whenever it fits at all
        else:
            got = cache.get(key)
            assert got is None or got is latest[key]  # never a stale value
        held = [k for k in latest if k in cache]
        assert cache.nbytes == sum(latest[k].nbytes for k in held) <= budget
        assert len(cache) == len(held)


@given(sizes=st.lists(st.integers(1, 50), min_size=1, max_size=40))
def test_what_is_dropped_is_always_the_least_recently_used(sizes):
    cache = LRUCache(100)
    for key, size in enumerate(sizes):
        cache.put(key, block(size))
    held = [key for key in range(len(sizes)) if key in cache]
    assert held == list(range(len(sizes) - len(held), len(sizes)))  # the newest ones, with no gap
    dropped = len(sizes) - len(held)
    assert dropped == 0 or sum(sizes[dropped - 1:]) > 100  # and one more would not have fitted


def test_threads_sharing_it_keep_the_bound_and_the_count():
    cache = LRUCache(10_000)
    errors = []

    def work(seed):
        rng = np.random.default_rng(seed)
        try:
            for _ in range(2_000):
                key = int(rng.integers(0, 64))
                if rng.random() < 0.5:
                    cache.put(key, block(int(rng.integers(0, 900))))
                else:
                    cache.get(key)
                assert cache.nbytes <= 10_000
        except AssertionError as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.nbytes == sum(cache.get(key).nbytes for key in range(64) if key in cache) <= 10_000
