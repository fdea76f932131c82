"""Ce que le calcul reçoit des données, sans lire ni écrire aucun fichier : la table canonique
validée (`DonneesSIAE`) et le rapport de validation (`Anomalie`, `RapportValidation`).

La lecture et la validation sont dans `donnees.py`, le classeur des anomalies aussi
(`donnees.ecrire_anomalies_xlsx`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class Anomalie:
    """Un problème trouvé dans un fichier d'entrée ; `ligne`/`colonne` à None s'il concerne tout
    le fichier ou toute une colonne. Une anomalie non bloquante est un avertissement."""

    fichier: str
    feuille: str | None
    ligne: int | None
    colonne: str | None
    valeur: str
    message: str
    bloquante: bool = True

    def texte(self) -> str:
        """« donnees.csv, ligne 14, colonne « type » : « EIX » n'est pas un type de SIAE (...). »"""
        lieu = [self.fichier]
        if self.feuille is not None:
            lieu.append(f"feuille « {self.feuille} »")
        if self.ligne is not None:
            lieu.append(f"ligne {self.ligne}")
        if self.colonne is not None:
            lieu.append(f"colonne « {self.colonne} »")
        prefixe = "" if self.bloquante else "(avertissement) "
        return f"{prefixe}{', '.join(lieu)} : {self.message}"


ENTETES_RAPPORT = ("Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Problème", "Bloquant")


@dataclass
class RapportValidation:
    """Toutes les anomalies trouvées, bloquantes ou non, dans un ou plusieurs fichiers."""

    anomalies: list[Anomalie] = field(default_factory=list)

    @property
    def est_valide(self) -> bool:
        return not any(a.bloquante for a in self.anomalies)

    @property
    def bloquantes(self) -> list[Anomalie]:
        return [a for a in self.anomalies if a.bloquante]

    def ajouter(self, *anomalies: Anomalie) -> None:
        self.anomalies.extend(anomalies)

    def texte(self) -> str:
        """Le rapport lisible : un résumé, puis une ligne par problème."""
        if not self.anomalies:
            return "Aucune anomalie."
        bloquantes = len(self.bloquantes)
        avertissements = len(self.anomalies) - bloquantes
        resume = (
            f"{bloquantes} anomalie{'s' * (bloquantes > 1)} bloquante{'s' * (bloquantes > 1)}, "
            f"{avertissements} avertissement{'s' * (avertissements > 1)}."
        )
        return "\n".join([resume, *(a.texte() for a in self.anomalies)])

    def vers_frame(self) -> pd.DataFrame:
        """Une ligne par anomalie, en-têtes français (Fichier, Feuille, Ligne, ..., Bloquant)."""
        return pd.DataFrame(
            {
                "Fichier": [a.fichier for a in self.anomalies],
                "Feuille": [a.feuille or "" for a in self.anomalies],
                "Ligne": pd.array([a.ligne for a in self.anomalies], dtype="Int64"),
                "Colonne": [a.colonne or "" for a in self.anomalies],
                "Valeur": [a.valeur for a in self.anomalies],
                "Problème": [a.message for a in self.anomalies],
                "Bloquant": ["oui" if a.bloquante else "non" for a in self.anomalies],
            },
            columns=list(ENTETES_RAPPORT),
        )


@dataclass
class DonneesSIAE:
    """Les lignes valides, en colonnes canoniques typées, et le rapport de validation.

    `table` : colonnes de `NOMS_COLONNES` dans l'ordre puis `ligne_source` ; textes en str
    (« » si absent), nombres en Decimal (None si vide), `milieu_penitentiaire` booléen.
    `autres_colonnes` : les colonnes non reconnues du fichier, en texte, alignées sur `table`.
    """

    table: pd.DataFrame
    rapport: RapportValidation
    fichier: Path
    feuille: str | None
    lignes_rejetees: list[int] = field(default_factory=list)
    autres_colonnes: pd.DataFrame = field(default_factory=pd.DataFrame)
