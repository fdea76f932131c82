"""Écriture du fichier composé xl/vbaProject.bin ([MS-CFB] version 3) comme xlwings écrit le
sien (`quickstart_standalone.xlsm`) : un Excel qui ouvre l'un ouvre l'autre.

- Entrées du répertoire toutes noires ; les enfants d'un stockage forment une chaîne triée
  dans l'ordre de [MS-CFB] 2.6.4 (longueur du nom, puis nom en majuscules) : l'enfant d'un
  stockage est le plus petit, chacun pointe vers le suivant par son frère droit, jamais gauche.
  Un arbre rouge-noir dont la racine serait rouge, ou avec deux rouges de suite, est refusé par
  les lecteurs stricts.
- Répertoire en parcours préfixe (racine, puis chaque stockage suivi de ses enfants dans l'ordre
  trié), sans CLSID ni date.
- Secteurs de 512 octets : flux de 4 096 octets et plus dans l'ordre du répertoire, mini-flux
  (secteurs de 64 octets), mini-FAT, répertoire, FAT, puis DIFAT si la FAT dépasse 109 secteurs.
  En-tête en version mineure 0x0021, comme xlwings.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

SECTEUR, MINI_SECTEUR, SEUIL_MINI = 512, 64, 4096
FIN_DE_CHAINE, LIBRE, SECTEUR_FAT, SECTEUR_DIFAT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC
AUCUN = 0xFFFFFFFF
VERSION_MINEURE = 0x0021
NOIR = 1
STOCKAGE, FLUX, RACINE = 1, 2, 5
_DIFAT_ENTETE, _PAR_SECTEUR = 109, SECTEUR // 4
_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")


def ordre(nom: str) -> tuple[int, str]:
    """L'ordre des frères d'un stockage ([MS-CFB] 2.6.4) : longueur, puis majuscules."""
    return len(nom), nom.upper()


class _Entree:
    def __init__(self, nom: str, genre: int, donnees: bytes = b"") -> None:
        self.nom, self.genre, self.donnees = nom, genre, donnees
        self.enfants: dict[str, _Entree] = {}
        self.gauche = self.droite = self.enfant = AUCUN
        self.debut, self.taille = 0, 0


def _arbre(flux: Mapping[tuple[str, ...], bytes]) -> list[_Entree]:
    """Les entrées du répertoire en parcours préfixe, enfants dans l'ordre trié et chaînés."""
    racine = _Entree("Root Entry", RACINE)
    for chemin, donnees in flux.items():
        parent = racine
        for nom in chemin[:-1]:
            parent = parent.enfants.setdefault(nom, _Entree(nom, STOCKAGE))
        parent.enfants[chemin[-1]] = _Entree(chemin[-1], FLUX, donnees)
    entrees: list[_Entree] = []

    def parcourir(entree: _Entree) -> int:
        position = len(entrees)
        entrees.append(entree)
        enfants = [
            parcourir(e) for e in sorted(entree.enfants.values(), key=lambda e: ordre(e.nom))
        ]
        for aine, cadet in zip(enfants, enfants[1:], strict=False):
            entrees[aine].droite = cadet
        entree.enfant = enfants[0] if enfants else AUCUN
        return position

    parcourir(racine)
    return entrees


def _chainer(table: list[int], debut: int, nombre: int) -> None:
    for rang in range(nombre):
        table[debut + rang] = debut + rang + 1 if rang + 1 < nombre else FIN_DE_CHAINE


def _octets_entree(entree: _Entree | None) -> bytes:
    if entree is None:  # entrée libre ([MS-CFB] 2.6.3) : tout à zéro, liens vides
        return struct.pack(
            "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, AUCUN, AUCUN, AUCUN, b"", 0, 0, 0, 0, 0
        )
    nom = entree.nom.encode("utf-16-le") + b"\x00\x00"
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        nom,
        len(nom),
        entree.genre,
        NOIR,
        entree.gauche,
        entree.droite,
        entree.enfant,
        b"",
        0,
        0,
        0,
        entree.debut,
        entree.taille,
    )


def ecrire_cfb(flux: Mapping[tuple[str, ...], bytes]) -> bytes:
    """Le fichier composé qui contient `flux` (chemin de stockages puis nom du flux -> octets)."""
    entrees = _arbre(flux)
    secteurs: list[bytes] = []
    fat: list[int] = []

    def placer(donnees: bytes) -> int:
        nombre = -(-len(donnees) // SECTEUR)
        debut = len(secteurs)
        donnees = donnees.ljust(nombre * SECTEUR, b"\x00")
        secteurs.extend(donnees[k * SECTEUR : (k + 1) * SECTEUR] for k in range(nombre))
        fat.extend([0] * nombre)
        _chainer(fat, debut, nombre)
        return debut

    mini, mini_fat = bytearray(), list[int]()
    for entree in entrees:
        if entree.genre != FLUX or not entree.donnees:
            entree.debut = FIN_DE_CHAINE if entree.genre == FLUX else 0
            continue
        entree.taille = len(entree.donnees)
        if entree.taille >= SEUIL_MINI:
            entree.debut = placer(entree.donnees)
            continue
        nombre = -(-entree.taille // MINI_SECTEUR)
        entree.debut = len(mini_fat)
        mini_fat.extend([0] * nombre)
        _chainer(mini_fat, entree.debut, nombre)
        mini += entree.donnees.ljust(nombre * MINI_SECTEUR, b"\x00")
    racine = entrees[0]
    racine.debut, racine.taille = (placer(bytes(mini)), len(mini)) if mini else (FIN_DE_CHAINE, 0)
    premier_mini_fat = FIN_DE_CHAINE
    if mini_fat:
        mini_fat += [LIBRE] * (-len(mini_fat) % _PAR_SECTEUR)
        premier_mini_fat = placer(struct.pack(f"<{len(mini_fat)}I", *mini_fat))
    vides = -len(entrees) % (SECTEUR // 128)
    repertoire = b"".join(_octets_entree(e) for e in [*entrees, *[None] * vides])
    premier_repertoire = placer(repertoire)
    return _avec_fat(secteurs, fat, premier_repertoire, premier_mini_fat, len(mini_fat))


def _avec_fat(
    secteurs: list[bytes], fat: list[int], repertoire: int, mini_fat: int, entrees_mini: int
) -> bytes:
    """Ajoute la FAT (et la DIFAT) qui se décrivent elles-mêmes, puis l'en-tête."""
    donnees = len(secteurs)
    nombre_fat, nombre_difat = 1, 0
    while True:
        nombre_difat = -(-max(0, nombre_fat - _DIFAT_ENTETE) // (_PAR_SECTEUR - 1))
        besoin = -(-(donnees + nombre_fat + nombre_difat) // _PAR_SECTEUR)
        if besoin <= nombre_fat:
            break
        nombre_fat = besoin
    secteurs_fat = list(range(donnees, donnees + nombre_fat))
    secteurs_difat = list(range(donnees + nombre_fat, donnees + nombre_fat + nombre_difat))
    table = fat + [SECTEUR_FAT] * nombre_fat + [SECTEUR_DIFAT] * nombre_difat
    table += [LIBRE] * (nombre_fat * _PAR_SECTEUR - len(table))
    octets_fat = struct.pack(f"<{len(table)}I", *table)
    secteurs = secteurs + [octets_fat[k * SECTEUR : (k + 1) * SECTEUR] for k in range(nombre_fat)]
    reste = secteurs_fat[_DIFAT_ENTETE:]
    for rang in range(nombre_difat):
        listes = reste[rang * (_PAR_SECTEUR - 1) : (rang + 1) * (_PAR_SECTEUR - 1)]
        listes += [LIBRE] * (_PAR_SECTEUR - 1 - len(listes))
        suivant = secteurs_difat[rang + 1] if rang + 1 < nombre_difat else FIN_DE_CHAINE
        secteurs.append(struct.pack(f"<{_PAR_SECTEUR}I", *listes, suivant))
    difat = secteurs_fat[:_DIFAT_ENTETE] + [LIBRE] * (
        _DIFAT_ENTETE - min(nombre_fat, _DIFAT_ENTETE)
    )
    entete = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE,
        b"",
        VERSION_MINEURE,
        3,
        0xFFFE,
        9,
        6,
        b"",
        0,
        nombre_fat,
        repertoire,
        0,
        SEUIL_MINI,
        mini_fat,
        -(-entrees_mini // _PAR_SECTEUR),
        secteurs_difat[0] if secteurs_difat else FIN_DE_CHAINE,
        nombre_difat,
    ) + struct.pack(f"<{_DIFAT_ENTETE}I", *difat)
    return entete + b"".join(secteurs)
