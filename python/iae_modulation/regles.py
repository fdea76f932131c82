"""Les règles datées d'une campagne : milieu pénitentiaire, EITI, plafond de chaque structure.

Toutes viennent des paramètres en vigueur au 1er janvier de l'année de campagne (aucune année en
dur ici) :
- milieu pénitentiaire (EI et ACI, décret n° 2016-531) : `regle_milieu_penitentiaire` vaut
  « taux_fixe » (socle propre, part modulée fixée à `taux_milieu_penitentiaire`, hors classement,
  imputée d'abord sur l'enveloppe) ou « plafond » (socles ordinaires, classement dans le groupe
  type × région, taux = `taux_milieu_penitentiaire` × score pondéré) ;
- EITI : `taux_modulation_max_eiti` ; sans valeur (avant l'expérimentation, aide mensuelle de 2025
  sans part modulée trouvée, fin de l'expérimentation), chaque ligne EITI est refusée avec la note
  du paramètre, sauf si l'agent donne un texte dans son dossier de paramètres.
Le plafond des autres structures est celui de la méthode (`taux_modulation_max` par défaut).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from iae_modulation.parametres import ErreurParametre, ValeurParametre
from iae_modulation.table_canonique import Anomalie, DonneesSIAE

REGLE_TAUX_FIXE = "taux_fixe"
REGLE_PLAFOND = "plafond"
REGLES_PENITENTIAIRES = (REGLE_TAUX_FIXE, REGLE_PLAFOND)
TYPES_PENITENTIAIRES = ("EI", "ACI")  # décret n° 2016-531 : EI et ACI en détention
Lecture = Callable[[str, dt.date], ValeurParametre]


@dataclass(frozen=True)
class Dispositif:
    """La règle d'un dispositif à la date : sa valeur, ou pourquoi les lignes sont refusées."""

    valeur: ValeurParametre | None
    refus: str = ""

    @property
    def lue(self) -> ValeurParametre:
        """La valeur du paramètre ; ErreurParametre (le motif du refus) si la règle n'en a pas."""
        if self.valeur is None:
            raise ErreurParametre(self.refus)
        return self.valeur


def _lire(lire: Lecture, nom: str, jour: dt.date) -> Dispositif:
    try:
        trouvee = lire(nom, jour)
    except ErreurParametre as erreur:
        return Dispositif(None, str(erreur))
    return Dispositif(trouvee) if trouvee.valeur is not None else Dispositif(None, trouvee.note)


@dataclass
class ReglesDatees:
    """Les règles d'une campagne, lues à la demande (un paramètre n'est lu, et donc consigné au
    manifeste, que si une structure en a besoin)."""

    annee: int
    lire: Lecture  # lit le bloc en vigueur, même sans valeur (`parametres.en_vigueur`)
    _cache: dict[str, Dispositif] | None = None

    @property
    def jour(self) -> dt.date:
        return dt.date(self.annee, 1, 1)

    def _dispositif(self, nom: str) -> Dispositif:
        self._cache = self._cache or {}
        if nom not in self._cache:
            self._cache[nom] = _lire(self.lire, nom, self.jour)
        return self._cache[nom]

    @property
    def penitentiaire(self) -> Dispositif:
        """La règle du milieu pénitentiaire et son taux, ou le motif du refus."""
        regle = self._dispositif("regle_milieu_penitentiaire")
        if regle.valeur is None:
            return regle
        if regle.valeur.valeur not in REGLES_PENITENTIAIRES:
            return Dispositif(
                None,
                f"règle « {regle.valeur.valeur} » inconnue dans regle_milieu_penitentiaire "
                f"(attendu : {' ou '.join(REGLES_PENITENTIAIRES)})",
            )
        taux = self._dispositif("taux_milieu_penitentiaire")
        return regle if taux.valeur is not None else taux

    @property
    def regle_penitentiaire(self) -> str:
        dispositif = self.penitentiaire
        return dispositif.valeur.texte if dispositif.valeur else ""

    @property
    def taux_penitentiaire(self) -> Decimal:
        return self._dispositif("taux_milieu_penitentiaire").lue.nombre

    @property
    def eiti(self) -> Dispositif:
        return self._dispositif("taux_modulation_max_eiti")

    def socle_propre(self, penitentiaire: bool) -> bool:
        """Vrai si une structure en détention a son propre montant socle (règle du taux fixe)."""
        return penitentiaire and self.regle_penitentiaire == REGLE_TAUX_FIXE

    def plafond(self, type_siae: str, penitentiaire: bool, taux_max: Decimal) -> Decimal:
        """Le plafond d'une structure classée : 5 % en détention (règle du plafond), celui des
        EITI, sinon celui de la méthode."""
        if penitentiaire and self.regle_penitentiaire == REGLE_PLAFOND:
            return self.taux_penitentiaire
        if type_siae == "EITI":
            return self.eiti.lue.nombre
        return taux_max

    def refus(self, donnees: DonneesSIAE, table: pd.DataFrame) -> list[Anomalie]:
        """Une anomalie bloquante par ligne que les règles de la date ne permettent pas de
        calculer, avec le motif tiré du texte (fichier, feuille, ligne, colonne)."""
        fichier, anomalies = Path(donnees.fichier).name, []
        for ligne, identifiant, type_siae, penitentiaire in zip(
            table["ligne_source"],
            table["identifiant"],
            table["type"],
            table["milieu_penitentiaire"],
            strict=True,
        ):

            def refuser(colonne: str, valeur: str, message: str, ligne: int = ligne) -> None:
                anomalies.append(
                    Anomalie(fichier, donnees.feuille, ligne, colonne, valeur, message)
                )

            if type_siae == "EITI" and self.eiti.valeur is None:
                refuser(
                    "type",
                    type_siae,
                    f"{identifiant} : EITI refusée pour la campagne {self.annee} : "
                    f"{self.eiti.refus}",
                )
            if not penitentiaire:
                continue
            if type_siae not in TYPES_PENITENTIAIRES:
                refuser(
                    "milieu_penitentiaire",
                    "oui",
                    f"{identifiant} : seules les EI et les ACI s'implantent en établissement "
                    "pénitentiaire (décret n° 2016-531 du 27 avril 2016) ; vérifiez le type ou la "
                    "colonne milieu_penitentiaire.",
                )
            elif self.penitentiaire.valeur is None:
                refuser(
                    "milieu_penitentiaire",
                    "oui",
                    f"{identifiant} : structure en milieu pénitentiaire refusée pour la campagne "
                    f"{self.annee} : {self.penitentiaire.refus}",
                )
        return anomalies
