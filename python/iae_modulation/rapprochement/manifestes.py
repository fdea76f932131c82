"""Les exécutions de l'outil trouvées sous un dossier de campagne, par leur `manifeste.json` :
commande, date, options, entrées (avec l'empreinte SHA-256 du grand livre lu) et sorties (avec
leur empreinte). Un document n'est rapproché que tel que son manifeste l'a consigné.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from iae_modulation.sorties import (
    NOM_JOURNAL,
    NOM_MANIFESTE,
    NOM_REGISTRE,
    reprendre_publication,
    sha256,
)

PROFONDEUR_MAX = 4  # dossiers examinés sous le dossier de campagne


@dataclass(frozen=True)
class Execution:
    """Une exécution trouvée par son manifeste : commande, dossier, date, entrées, sorties."""

    dossier: Path
    commande: str
    date: str
    options: dict
    entrees: dict[str, dict]  # rôle -> {fichier, sha256}
    sorties: dict[str, str]  # fichier relatif (posix) -> sha256
    ecrit_ns: int = (
        0  # quand le manifeste a été écrit : départage deux exécutions de la même seconde
    )

    @property
    def ordre(self) -> tuple[str, int]:
        return self.date, self.ecrit_ns

    @property
    def empreinte_resultats(self) -> str | None:
        """L'empreinte du grand livre que l'exécution a lu (None : aucun, taux forfaitaire)."""
        entree = self.entrees.get("resultats")
        return str(entree["sha256"]) if entree else None

    def probleme(self, nom: str) -> str:
        """« » si la sortie `nom` est là et telle que le manifeste l'a consignée, sinon le
        problème en français."""
        chemin = self.dossier / nom
        if not chemin.is_file():
            return f"{nom} introuvable"
        if nom not in self.sorties or sha256(chemin) != self.sorties[nom]:
            return (
                f"{nom} modifié après sa production (son empreinte n'est plus celle du manifeste)"
            )
        return ""


@dataclass
class Parcours:
    """Ce que le parcours d'un dossier de campagne a trouvé."""

    executions: list[Execution] = field(default_factory=list)
    documents_word: list[Path] = field(default_factory=list)  # tous les .docx
    registres: list[Path] = field(default_factory=list)  # dossiers qui ont un registre.csv


def parcourir(dossier: Path) -> Parcours:
    """Les exécutions, documents Word et registres sous `dossier` (profondeur limitée, dossiers
    cachés exclus) ; une publication interrompue est d'abord finie ou défaite."""
    parcours = Parcours()
    racine = Path(dossier)
    for courant, sous_dossiers, fichiers in os.walk(racine):
        ici = Path(courant)
        profondeur = len(ici.relative_to(racine).parts)
        sous_dossiers[:] = sorted(
            d for d in sous_dossiers if not d.startswith(".") and profondeur < PROFONDEUR_MAX
        )
        if NOM_JOURNAL in fichiers:
            reprendre_publication(ici)
            fichiers = os.listdir(ici)
        if NOM_MANIFESTE in fichiers:
            execution = lire_manifeste(ici)
            if execution is not None:
                parcours.executions.append(execution)
        if NOM_REGISTRE in fichiers:
            parcours.registres.append(ici)
        parcours.documents_word += [
            ici / nom for nom in sorted(fichiers) if nom.endswith(".docx") and nom[0] not in ".~"
        ]
    parcours.executions.sort(key=lambda e: e.ordre)
    return parcours


def lire_manifeste(dossier: Path) -> Execution | None:
    """L'exécution décrite par `dossier/manifeste.json`, ou None s'il est illisible."""
    chemin = Path(dossier) / NOM_MANIFESTE
    try:
        contenu = json.loads(chemin.read_text(encoding="utf-8"))
        return Execution(
            dossier=Path(dossier),
            commande=str(contenu["commande"]),
            date=str(contenu.get("date_execution", "")),
            options=dict(contenu.get("options") or {}),
            entrees={str(e["role"]): e for e in contenu.get("entrees", [])},
            sorties={str(s["fichier"]): str(s["sha256"]) for s in contenu.get("sorties", [])},
            ecrit_ns=chemin.stat().st_mtime_ns,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
