"""En-têtes des exports de l'extranet IAE : fichier YAML éditable, comparaison souple, recherche.

Note DGEFP 2014-04, annexe 5 : les étapes désignent les colonnes par leur intitulé (« no Présage »,
« Montant prévu de l'aide de l'Etat = AE », …). L'outil les retrouve par leur en-tête, jamais par
leur lettre, même quand des lignes de titre précèdent la ligne d'en-tête.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from iae_modulation.encodages import decoder_octets
from iae_modulation.referentiel import sans_accents
from iae_modulation.sorties import ErreurEntree, verifier_fichier_entree

FICHIER_ENTETES = "entetes_extranet.yaml"
LIGNES_EXAMINEES = 30  # lignes de titre tolérées avant l'en-tête


def normaliser_entete(texte: object) -> str:
    """Forme comparable : sans casse, accents, ponctuation, espaces répétés ; « N° » = « no »."""
    brut = sans_accents(str(texte or "")).casefold()
    brut = re.sub(r"\bn\s*[°º]", " no ", brut)
    brut = re.sub(r"\bno\b\.?", " no ", brut)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", brut).split())


@dataclass(frozen=True)
class Colonne:
    cle: str
    entete: str
    alias: tuple[str, ...]

    @property
    def formes(self) -> frozenset[str]:
        return frozenset(normaliser_entete(t) for t in (self.entete, *self.alias))


@dataclass(frozen=True)
class Disposition:
    """Une forme d'export (« Tableau de suivi des annexes financières », « Export de données »)."""

    nom: str
    titre: str
    chemin_extranet: str
    mesures: tuple[str, ...]
    colonnes: tuple[Colonne, ...]
    obligatoires: dict[str, tuple[str, ...]]

    def colonne(self, cle: str) -> Colonne:
        return next(c for c in self.colonnes if c.cle == cle)


def charger_dispositions(chemin: Path | None = None) -> dict[str, Disposition]:
    """Lit le YAML des en-têtes (celui du paquet par défaut) ; refuse un fichier mal formé."""
    if chemin is None:
        return _dispositions_du_paquet()
    chemin = verifier_fichier_entree(Path(chemin))
    return _lire_dispositions(decoder_octets(chemin.read_bytes(), chemin.name), chemin.name)


@cache
def _dispositions_du_paquet() -> dict[str, Disposition]:
    texte = resources.files("iae_modulation.exports").joinpath(FICHIER_ENTETES).read_text("utf-8")
    return _lire_dispositions(texte, FICHIER_ENTETES)


def _lire_dispositions(texte: str, nom_fichier: str) -> dict[str, Disposition]:
    try:
        donnees = yaml.safe_load(texte)
        dispositions = {}
        for nom, d in donnees["dispositions"].items():
            colonnes = tuple(
                Colonne(cle, str(c["entete"]), tuple(str(a) for a in c.get("alias") or ()))
                for cle, c in d["colonnes"].items()
            )
            cles = {c.cle for c in colonnes}
            obligatoires = {m: tuple(v) for m, v in d["obligatoires"].items()}
            inconnues = {k for v in obligatoires.values() for k in v} - cles
            if inconnues:
                raise ErreurEntree(
                    f"{nom_fichier}, disposition « {nom} » : colonnes obligatoires inconnues : "
                    f"{', '.join(sorted(inconnues))}."
                )
            dispositions[nom] = Disposition(
                nom=nom,
                titre=str(d["titre"]),
                chemin_extranet=str(d.get("chemin_extranet", "")),
                mesures=tuple(d["mesures"]),
                colonnes=colonnes,
                obligatoires=obligatoires,
            )
        return dispositions
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, ValueError) as erreur:
        raise ErreurEntree(
            f"{nom_fichier} : fichier des en-têtes mal formé ({type(erreur).__name__} : {erreur})."
        ) from None


def disposition_de_la_mesure(mesure: str, chemin_yaml: Path | None = None) -> Disposition:
    for disposition in charger_dispositions(chemin_yaml).values():
        if mesure in disposition.mesures:
            return disposition
    raise ErreurEntree(f"Aucune forme d'export extranet n'est décrite pour la mesure {mesure}.")


@dataclass(frozen=True)
class EnteteTrouve:
    """Position de la ligne d'en-tête (index dans la table brute) et des colonnes reconnues."""

    index_ligne: int
    entetes: tuple[str, ...]
    positions: dict[str, int]  # clé de colonne -> index de colonne


def localiser_entete(
    lignes: Sequence[Sequence[str]],
    disposition: Disposition,
    mesure: str,
    *,
    lieu: str,
    numero_ligne: Sequence[int] | None = None,
) -> EnteteTrouve:
    """Trouve la première ligne qui porte tous les en-têtes obligatoires de la mesure.

    `lieu` nomme le fichier (et la feuille) dans les messages ; `numero_ligne[i]` est le numéro
    de ligne que l'utilisateur voit pour `lignes[i]` (i + 1 par défaut).
    """
    obligatoires = disposition.obligatoires[mesure]
    meilleur: tuple[int, int, dict[str, int]] | None = None
    for index, ligne in enumerate(lignes[:LIGNES_EXAMINEES]):
        positions = reconnaitre(ligne, disposition)
        presents = sum(1 for cle in obligatoires if cle in positions)
        if presents == len(obligatoires):
            entetes = tuple(" ".join(str(c).split()) for c in ligne)
            return EnteteTrouve(index, entetes, positions)
        if presents and (meilleur is None or presents > meilleur[1]):
            meilleur = (index, presents, positions)
    raise ErreurEntree(
        _message_entete_manquant(lignes, disposition, mesure, lieu, meilleur, numero_ligne)
    )


def reconnaitre(ligne: Sequence[str], disposition: Disposition) -> dict[str, int]:
    """Clé de colonne -> position, pour chaque cellule de `ligne` reconnue (première occurrence)."""
    formes = [normaliser_entete(c) for c in ligne]
    positions: dict[str, int] = {}
    for colonne in disposition.colonnes:
        acceptees = colonne.formes
        for position, forme in enumerate(formes):
            if forme in acceptees and position not in positions.values():
                positions[colonne.cle] = position
                break
    return positions


def _message_entete_manquant(
    lignes: Sequence[Sequence[str]],
    disposition: Disposition,
    mesure: str,
    lieu: str,
    meilleur: tuple[int, int, dict[str, int]] | None,
    numero_ligne: Sequence[int] | None,
) -> str:
    obligatoires = disposition.obligatoires[mesure]
    attendu = "\n".join(f"  - {_libelles(disposition.colonne(c))}" for c in obligatoires)
    debut = (
        f"{lieu} : ce n'est pas un « {disposition.titre} » de la mesure {mesure} "
        f"(extranet IAE, {disposition.chemin_extranet}).\nEn-têtes attendus :\n{attendu}\n"
    )
    if meilleur is None:
        return debut + (
            f"Aucun de ces en-têtes n'a été trouvé dans les {LIGNES_EXAMINEES} premières lignes."
        )
    index, _, positions = meilleur
    numero = numero_ligne[index] if numero_ligne else index + 1
    manquants = [c for c in obligatoires if c not in positions]
    trouves = ", ".join(f"« {' '.join(str(c).split())} »" for c in lignes[index] if str(c).strip())
    return debut + (
        f"Ligne d'en-tête la plus proche : ligne {numero}. Il y manque : "
        + ", ".join(f"« {disposition.colonne(c).entete} »" for c in manquants)
        + f".\nEn-têtes trouvés en ligne {numero} : {trouves}.\n"
        "Si l'extranet a renommé une colonne, ajoutez le nouveau libellé aux « alias » du fichier "
        f"{FICHIER_ENTETES}."
    )


def _libelles(colonne: Colonne) -> str:
    """« Département » (ou « Dépt », « Code département »)."""
    texte = f"« {colonne.entete} »"
    if colonne.alias:
        texte += " (ou " + ", ".join(f"« {a} »" for a in colonne.alias) + ")"
    return texte
