"""Fetch each source from its URL or from a local mirror laid out like the source.

A mirror is a base path under which every file sits at the same relative path as in the source's
own layout (``LAYOUTS``). The same code path serves the paper (URLs), clusters without internet
(a mirror) and the tests (``../shared/data`` or the generated mini world). What lands under
``resources/<source>/`` keeps that layout, so a finished ``resources/`` folder is itself a mirror.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .io import atomic_path

log = logging.getLogger(__name__)

#: Where each file lies under a mirror's base path (and under ``resources/<source>/``).
LAYOUTS = {
    "opus": "OPUS-{corpus}/{version}/moses/{pair}.txt.zip",
    "muse": "dictionaries/{pair}.txt",
    "flores": "flores200_dataset/{split}/{code}.{split}",
    "ud": "{treebank}/{file}",
    "sib200": "data/annotated/{code}/{split}.tsv",
}
#: The FLORES-200 URL is one tarball holding the tree of ``LAYOUTS["flores"]``.
FLORES_TARBALL = "flores200_dataset.tar.gz"


class SourceError(RuntimeError):
    """A source could not be fetched; the message says which and how to use a mirror."""


def sha256sum(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path, expected: str | None, label: str) -> None:
    """Raise if ``path`` does not have the ``expected`` digest (no check when it is None)."""
    if not expected:
        return
    actual = sha256sum(path)
    if actual != expected.lower():
        raise SourceError(
            f"checksum mismatch for {label}: expected sha256 {expected}, got {actual}. "
            "The file was not kept; fix the `sha256` entry in the config or the source."
        )


def mirror_hint(name: str) -> str:
    layout = LAYOUTS.get(name, "a Hugging Face model folder")
    return (
        f"Without internet, set `sources.{name}.mirror` in the config to a local base path laid "
        f"out like the source ({layout}); see README, section 'Mirrors'."
    )


def _copy_with_progress(response, out, url: str, total: str | None, every: int = 64 << 20) -> None:
    done, next_report = 0, every
    while block := response.read(1 << 20):
        out.write(block)
        done += len(block)
        if done >= next_report:
            log.info("%s: %d MiB of %s", url, done >> 20, f"{int(total) >> 20} MiB" if total else "?")
            next_report += every


def download_url(url: str, dest, *, retries: int, backoff: float, timeout: float, name: str) -> None:
    """Stream ``url`` into ``dest``, retrying with exponential back-off."""
    request = urllib.request.Request(url, headers={"User-Agent": "align-transfer-workflow"})
    for attempt in range(1, retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
                _copy_with_progress(response, out, url, response.headers.get("Content-Length"))
            return
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
            log.warning("source %s: attempt %d/%d for %s failed: %s", name, attempt, retries, url, error)
            if attempt == retries:
                raise SourceError(
                    f"source '{name}' failed: could not download {url} after {retries} attempts "
                    f"({error}). {mirror_hint(name)}"
                ) from error
            time.sleep(backoff * 2 ** (attempt - 1))


def fetch_location(name: str, location: str, dest, download: dict, sha256: str | None = None) -> None:
    """Fetch one file from a URL (``scheme://...``) or a local path into ``dest``, atomically."""
    with atomic_path(dest) as tmp:
        if "://" in location:
            download_url(location, tmp, name=name, **download)
            log.info("downloaded %s", location)
        else:
            if not Path(location).is_file():
                raise SourceError(f"source '{name}': {location} does not exist")
            shutil.copyfile(location, tmp)
            log.info("copied %s", location)
        verify_sha256(tmp, sha256, f"{name} file {location}")


def fetch_file(name: str, source: dict, fields: dict, dest, download: dict) -> None:
    """Fetch one file of source ``name`` (its layout filled with ``fields``) into ``dest``."""
    relpath = LAYOUTS[name].format(**fields)
    if source.get("mirror"):
        location = str(Path(source["mirror"]) / relpath)
        if not Path(location).is_file():
            raise SourceError(
                f"source '{name}': {location} is missing from the mirror {source['mirror']} "
                f"(a mirror holds the source's layout: {LAYOUTS[name]})"
            )
    else:
        location = source["url"].format(**fields)
    fetch_location(name, location, dest, download, source.get("sha256", {}).get(relpath))


def fetch_flores(source: dict, codes, splits, dest_root, download: dict) -> None:
    """Fetch FLORES-200 files ``{split}/{code}.{split}`` into ``dest_root`` (the tarball's tree)."""
    relpaths = [LAYOUTS["flores"].format(split=s, code=code) for s in splits for code in codes]
    dest_root = Path(dest_root)
    with atomic_path(dest_root) as tmp_root:
        if source.get("mirror"):
            for relpath in relpaths:
                origin = Path(source["mirror"]) / relpath
                if not origin.is_file():
                    raise SourceError(
                        f"source 'flores': {origin} is missing from the mirror {source['mirror']} "
                        f"(a mirror holds the extracted tarball's tree: {LAYOUTS['flores']})"
                    )
                (tmp_root / relpath).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(origin, tmp_root / relpath)
                verify_sha256(tmp_root / relpath, source.get("sha256", {}).get(relpath), f"flores file {relpath}")
        else:
            tmp_root.mkdir(parents=True)
            tarball = tmp_root / FLORES_TARBALL
            download_url(source["url"], tarball, name="flores", **download)
            verify_sha256(tarball, source.get("sha256", {}).get(FLORES_TARBALL), f"flores {FLORES_TARBALL}")
            with tarfile.open(tarball) as archive:
                wanted = set(relpaths)
                members = [m for m in archive.getmembers() if m.name in wanted and m.isfile()]
                missing = wanted - {m.name for m in members}
                if missing:
                    raise SourceError(f"source 'flores': {source['url']} lacks {sorted(missing)}")
                archive.extractall(tmp_root, members=members, filter="data")
            tarball.unlink()
        log.info("fetched %d FLORES-200 files", len(relpaths))


ENCODER_FILES = ["*.json", "*.safetensors", "*.model", "vocab.txt"]


def fetch_encoder(encoder: dict, dest) -> None:
    """Fetch a Hugging Face encoder folder: a pinned hub snapshot, or a local mirror folder.

    Only safetensors weights, configs and tokenizer files are taken: no pickled weights.
    """
    with atomic_path(dest) as tmp:
        if encoder.get("mirror"):
            origin = Path(encoder["mirror"])
            if not (origin / "config.json").is_file():
                raise SourceError(f"encoder mirror {origin} is not a Hugging Face model folder (no config.json)")
            shutil.copytree(origin, tmp, ignore=shutil.ignore_patterns("*.bin", "*.pt", "*.h5", "*.msgpack"))
            return
        from huggingface_hub import snapshot_download

        try:
            snapshot_download(
                encoder["hub_id"], revision=encoder["revision"], local_dir=tmp, allow_patterns=ENCODER_FILES
            )
        except Exception as error:  # the hub client raises many types for "offline"
            raise SourceError(
                f"source 'encoder' failed: could not download {encoder['hub_id']}@{encoder['revision']} "
                f"from the hub ({error}). Without internet, set `encoder.mirror` to a local Hugging Face "
                "model folder; see README, section 'Mirrors'."
            ) from error
        shutil.rmtree(tmp / ".cache", ignore_errors=True)
        if not list(tmp.glob("*.safetensors")):
            raise SourceError(f"encoder {encoder['hub_id']}@{encoder['revision']} has no safetensors weights")
