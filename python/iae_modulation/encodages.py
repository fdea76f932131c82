"""Décodage des fichiers texte : UTF-8 (avec ou sans BOM), UTF-16 avec BOM, sinon Windows-1252.

Un fichier qui mélange UTF-8 et Windows-1252 (lignes collées de deux fichiers) est refusé en
nommant la première ligne en cause : le décoder d'un seul bloc écrirait « VÃ©lo » dans les
résultats et les lettres. Une ligne en UTF-8 valide qui contient autre chose que de l'ASCII est
tenue pour de l'UTF-8 (un texte Windows-1252 français ne forme pas de telles suites d'octets).
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Iterator
from io import BufferedIOBase

from iae_modulation.erreurs import ErreurEntree
from iae_modulation.limites import LIGNE_MAX, blocs_bornes, taille_fr

BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decoder_octets(octets: bytes, nom: str) -> str:
    """Le texte d'un fichier entier ; lève `ErreurEntree` s'il n'est pas du texte."""
    if octets.startswith(BOMS_UTF16):
        try:
            texte = octets.decode("utf-16")
        except UnicodeDecodeError:
            raise _pas_du_texte(nom) from None
    else:
        try:
            texte = octets.decode("utf-8-sig")
        except UnicodeDecodeError:
            texte = "".join(decoder_lignes(octets.splitlines(keepends=True), nom))
    if "\x00" in texte:
        raise _pas_du_texte(nom)
    return texte


def decoder_lignes(lignes: Iterable[bytes], nom: str) -> Iterator[str]:
    """Chaque ligne décodée en UTF-8 ou en Windows-1252, le même pour tout le fichier."""
    encodage = None
    for numero, ligne in enumerate(lignes, start=1):
        if numero == 1:
            ligne = ligne.removeprefix(codecs.BOM_UTF8)
        if b"\x00" in ligne:
            raise _pas_du_texte(nom)
        if ligne.isascii():
            yield ligne.decode("ascii")
            continue
        try:
            texte, trouve = ligne.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                texte, trouve = ligne.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                raise _pas_du_texte(nom) from None
        if encodage not in (None, trouve):
            raise ErreurEntree(
                f"{nom}, ligne {numero} : encodage mélangé, les lignes précédentes sont en "
                f"{_NOMS[encodage]} et celle-ci en {_NOMS[trouve]} (accents écrits autrement). "
                "Réenregistrez le fichier dans Excel en « CSV UTF-8 (délimité par des virgules) » "
                "ou en un seul encodage, puis relancez."
            )
        encodage = trouve
        yield texte


def lignes_du_flux(flux: BufferedIOBase, nom: str) -> Iterator[str]:
    """Les lignes (sans fin de ligne) d'un flux binaire lu au fil de l'eau, un .gz se
    décompressant en le lisant : ni le fichier entier ni une ligne démesurée en mémoire."""
    blocs = blocs_bornes(flux, nom)
    premier = next(blocs, b"")
    if premier.startswith(BOMS_UTF16):
        decodeur = codecs.getincrementaldecoder("utf-16")()
        try:
            textes = (decodeur.decode(b) for b in itertools.chain([premier], blocs))
            for ligne in _couper(textes, "\n", nom):
                if "\x00" in ligne:
                    raise _pas_du_texte(nom)
                yield ligne.rstrip("\r")
            decodeur.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _pas_du_texte(nom) from None
        return
    octets = _couper(itertools.chain([premier], blocs), b"\n", nom)
    for ligne in decoder_lignes(octets, nom):
        yield ligne.rstrip("\r")


def _couper(blocs: Iterable, separateur, nom: str) -> Iterator:
    """Les lignes de blocs de texte ou d'octets ; une ligne plus longue que `LIGNE_MAX` est
    refusée avant d'être gardée entière en mémoire."""
    reste = separateur[:0]
    for bloc in blocs:
        morceaux = (reste + bloc).split(separateur)
        reste = morceaux.pop()
        if len(reste) > LIGNE_MAX:
            raise ErreurEntree(
                f"{nom} : fichier refusé, une ligne dépasse {taille_fr(LIGNE_MAX)} (ce n'est pas "
                "un export en lignes de texte)."
            )
        yield from morceaux
    if reste:
        yield reste


_NOMS = {"utf-8": "UTF-8", "cp1252": "Windows-1252 (ANSI)"}


def _pas_du_texte(nom: str) -> ErreurEntree:
    return ErreurEntree(
        f"{nom} : fichier illisible, ce n'est pas un texte (UTF-8, UTF-16 ou Windows-1252)."
    )
