"""FluxIAE de l'ASP, vue « AnnexeFinanciere », comme seconde source de l'annexe 5.

Format (reference/domaine.md) : séparateur `|`, première ligne `DEB<Vue><jjmmaaaa>_<hhmmss>`,
dernière ligne `FIN…` (sans elle, le fichier est tronqué et refusé), dates jj/mm/aaaa, point
décimal ; UTF-8 ou UTF-16 ; .csv ou .csv.gz, lu au fil de l'eau (`limites`). On garde les
annexes de la mesure en vigueur pendant l'année de campagne (dates d'effet
qui chevauchent l'année) et dans un état actif ; le département vient du n° d'annexe ; la base est
`af_montant_total_annuel` (aide au poste de la période, cofinancement du département inclus).

Le tableau prend la forme de celui de l'extranet après les étapes de la note (mêmes en-têtes,
`entetes_extranet.yaml`), pour les colonnes que le FluxIAE connaît ; SIRET, raison sociale et
commune, absents du FluxIAE, viennent d'un annuaire (grand livre ou table des structures) quand
il est donné. Les postes conventionnés sont des nombres (ETP).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from iae_modulation.encodages import lignes_du_flux
from iae_modulation.exports.entetes import disposition_de_la_mesure
from iae_modulation.exports.table import TableExport
from iae_modulation.lecture import CelluleEnErreur, NombreAmbigu, lire_montant, lire_nombre
from iae_modulation.limites import LIGNES_MAX_FLUXIAE
from iae_modulation.referentiel import lire_numero_annexe
from iae_modulation.sorties import ErreurEntree, verifier_fichier_entree

# États actifs : ceux que la plateforme de l'inclusion tient pour valides (les-emplois,
# SiaeFinancialAnnex.STATES_ACTIVE). PROVISOIRE = annexe en vigueur en attente de validation
# définitive : gardée, mais signalée dans le rapport.
ETATS_ACTIFS = ("VALIDE", "PROVISOIRE")
MOTIFS_ETAT = {
    "HISTORISE": "remplacée par un avenant plus récent (état HISTORISE)",
    "ANNULE": "annulée (état ANNULE)",
    "SAISI": "saisie mais pas encore validée (état SAISI)",
    "BROUILLON": "brouillon (état BROUILLON)",
    "CLOTURE": "clôturée (état CLOTURE)",
    "REJETE": "rejetée (état REJETE)",
}
MOTIF_FDI = "FDI : fonds départemental d'insertion, ce n'est pas une aide au poste"
MOTIF_HORS_ANNEE = "dates d'effet hors de l'année {annee}"
MOTIF_AVENANT = "avenant antérieur de la même annexe (seul le dernier avenant actif compte)"
MOTIF_DOUBLON = "ligne répétée à l'identique (même annexe, même avenant, mêmes valeurs)"

COLONNES_REQUISES = (
    "af_numero_annexe_financiere",
    "af_numero_avenant_renouvellement",
    "af_numero_avenant_modification",
    "af_mesure_dispositif_code",
    "af_etat_annexe_financiere_code",
    "af_date_debut_effet",
    "af_date_fin_effet",
    "af_montant_total_annuel",
)
# Colonnes du tableau, clés de `entetes_extranet.yaml`, dans l'ordre de l'extranet et après les
# étapes de la note : EI, ETTI, EITI gardent les postes et le montant de l'État ; AI et ACI, la
# commune, la convention et le montant total (le cofinancement des ACI n'est que vérifié).
CLES_TABLEAU = {
    "EI": (
        "departement",
        "siret",
        "raison_sociale",
        "numero_annexe",
        "date_debut_effet_annexe",
        "date_fin_effet_annexe",
        "nb_postes",
        "montant_etat",
    ),
    "AI": (
        "departement",
        "siret",
        "raison_sociale",
        "commune",
        "numero_convention",
        "numero_annexe",
        "date_debut_effet_annexe",
        "date_fin_effet_annexe",
        "montant_total",
    ),
}
CLES_TABLEAU |= {"ETTI": CLES_TABLEAU["EI"], "EITI": CLES_TABLEAU["EI"]}
CLES_TABLEAU["ACI"] = (*CLES_TABLEAU["AI"], "cofinancement_cg")
CLES_ANNUAIRE = ("siret", "raison_sociale", "commune")  # absentes du FluxIAE
CHIFFRES_AVENANT = 6


def est_fluxiae(chemin: Path) -> bool:
    """Vrai si le fichier commence par le marqueur `DEB` d'un FluxIAE (détection de la source) ;
    seule la première ligne est lue. Un .gz illisible est refusé avec la cause exacte."""
    chemin = Path(chemin)
    if not chemin.is_file():
        return False
    try:
        with _flux(chemin) as flux:
            return next(lignes_du_flux(flux, chemin.name), "").startswith("DEB")
    except ErreurEntree:
        if _compresse(chemin):
            raise
        return False


def lire_fluxiae(
    chemin: Path, mesure: str, annee: int, annuaire: Mapping[str, dict] | None = None
) -> TableExport:
    """Annexes de `mesure` actives en `annee`, une ligne par période d'aide (dernier avenant).

    `annuaire` : par n° d'annexe sans avenant (« ACI054210019 »), SIRET, raison sociale et
    commune de la structure ; les colonnes qu'il ne donne pas sont omises."""
    chemin = verifier_fichier_entree(chemin)
    with _flux(chemin) as flux:
        lignes = lignes_du_flux(flux, chemin.name)
        if not next(lignes, "").startswith("DEB"):
            raise ErreurEntree(
                f"{chemin.name} : ce n'est pas un fichier FluxIAE (la première ligne devrait "
                "commencer par le marqueur « DEB »)."
            )
        lecteur = csv.reader(lignes, delimiter="|")
        try:
            entetes = [e.strip() for e in next(lecteur, [])]
            if not entetes or entetes[0].startswith("FIN"):
                raise ErreurEntree(
                    f"{chemin.name} : le FluxIAE ne contient pas de ligne d'en-tête."
                )
            manquantes = [c for c in COLONNES_REQUISES if c not in entetes]
            if manquantes:
                raise ErreurEntree(
                    f"{chemin.name} (ligne 2) : ce n'est pas la vue « AnnexeFinanciere » du "
                    f"FluxIAE ; colonnes manquantes : {', '.join(manquantes)}."
                )
            index = {nom: i for i, nom in enumerate(entetes)}
            selection = _Selection(chemin.name, mesure, annee, index)
            fin = _examiner_jusqu_a_fin(lecteur, selection, chemin.name)
        except csv.Error as erreur:
            raise ErreurEntree(
                f"{chemin.name}, ligne {lecteur.line_num + 1} : FluxIAE illisible ({erreur})."
            ) from None
    if not fin:
        raise ErreurEntree(
            f"{chemin.name} : FluxIAE incomplet, la dernière ligne « FIN… » manque (fichier "
            "tronqué : téléchargement ou copie interrompus ?). Aucune annexe n'a été retenue : "
            "téléchargez de nouveau l'export complet."
        )
    return selection.table(annuaire)


def _examiner_jusqu_a_fin(lecteur, selection: _Selection, nom: str) -> bool:
    """Examine chaque ligne de données ; vrai si la ligne `FIN…` a été trouvée en dernier."""
    fin = False
    for numero, ligne in enumerate(lecteur, start=3):
        if fin and any(c.strip() for c in ligne):
            raise ErreurEntree(f"{nom}, ligne {numero} : données après la ligne « FIN… ».")
        if ligne and ligne[0].startswith("FIN"):
            fin = True
        elif numero - 2 > LIGNES_MAX_FLUXIAE:
            raise ErreurEntree(
                f"{nom} : plus de {LIGNES_MAX_FLUXIAE} lignes d'annexes ; ce n'est pas un "
                "FluxIAE « AnnexeFinanciere » (voir docs/donnees.md, « Limites »)."
            )
        elif not fin:
            selection.examiner(numero, ligne)
    return fin


def _compresse(chemin: Path) -> bool:
    return chemin.suffix.lower() == ".gz"


@contextlib.contextmanager
def _flux(chemin: Path) -> Iterator[BinaryIO]:
    """Le fichier ouvert en binaire (décompressé au fil de l'eau si .gz) ; une archive .gz
    tronquée ou abîmée devient un message qui dit laquelle des deux."""
    ouvrir = gzip.open if _compresse(chemin) else open
    try:
        with ouvrir(chemin, "rb") as flux:
            yield flux
    except EOFError:
        raise ErreurEntree(
            f"{chemin.name} : archive .gz tronquée, elle s'arrête avant sa fin (téléchargement "
            "ou copie interrompus ?) ; téléchargez de nouveau le fichier."
        ) from None
    except (gzip.BadGzipFile, zlib.error) as erreur:
        raise ErreurEntree(
            f"{chemin.name} : archive .gz abîmée ({erreur}) ; téléchargez de nouveau le fichier."
        ) from None
    except OSError as erreur:
        raise ErreurEntree(f"{chemin.name} : fichier illisible ({erreur}).") from None


@dataclass
class _Retenue:
    numero: int
    cle: tuple[str, int]  # (convention, avenant de renouvellement)
    modification: int
    cellules: dict[str, str]  # clé de colonne (entetes_extranet.yaml) -> texte


class _Selection:
    """Trie les lignes du FluxIAE : retenues, écartées (motif), erronées (message)."""

    def __init__(self, fichier: str, mesure: str, annee: int, index: dict[str, int]) -> None:
        self.fichier, self.mesure, self.annee, self.index = fichier, mesure, annee, index
        self.largeur = max(index.values(), default=-1) + 1
        self.ecartees: Counter[str] = Counter()
        self.erreurs: list[str] = []
        self.retenues: dict[tuple[str, int], _Retenue] = {}
        self.provisoires: list[str] = []

    def champ(self, ligne: list[str], nom: str) -> str:
        position = self.index.get(nom)
        return ligne[position].strip() if position is not None and position < len(ligne) else ""

    def examiner(self, numero: int, ligne: list[str]) -> None:
        if not any(c.strip() for c in ligne):
            return
        if any(c.strip() for c in ligne[self.largeur :]):
            self.erreurs.append(
                f"{self.fichier}, ligne {numero} : {len(ligne)} champs pour {self.largeur} "
                "colonnes d'en-tête : une valeur contient le séparateur « | », les suivantes "
                "sont décalées."
            )
            return
        code = self.champ(ligne, "af_mesure_dispositif_code").upper()
        mesure = code.split("_")[0]
        if mesure == "FDI":
            self.ecartees[MOTIF_FDI] += 1
            return
        if mesure != self.mesure:
            self.ecartees[f"autre mesure ({code or 'vide'})"] += 1
            return
        etat = self.champ(ligne, "af_etat_annexe_financiere_code").upper()
        if etat not in ETATS_ACTIFS:
            self.ecartees[MOTIFS_ETAT.get(etat, f"état inactif ({etat or 'vide'})")] += 1
            return
        lieu = f"{self.fichier}, ligne {numero}"
        debut = self.date(ligne, "af_date_debut_effet", lieu)
        fin = self.date(ligne, "af_date_fin_effet", lieu)
        annexe = lire_numero_annexe(self.champ(ligne, "af_numero_annexe_financiere"))
        if annexe is None:
            self.erreurs.append(
                f"{lieu}, colonne af_numero_annexe_financiere : « "
                f"{self.champ(ligne, 'af_numero_annexe_financiere')} » n'est pas un numéro "
                "d'annexe financière (le département ne peut pas en être tiré)."
            )
            return
        cellules = self.cellules(ligne, annexe.departement, lieu)
        if debut is None or fin is None or cellules is None:
            return
        if debut > dt.date(self.annee, 12, 31) or fin < dt.date(self.annee, 1, 1):
            self.ecartees[MOTIF_HORS_ANNEE.format(annee=self.annee)] += 1
            return
        renouvellement = self.entier(ligne, "af_numero_avenant_renouvellement", lieu)
        modification = self.entier(ligne, "af_numero_avenant_modification", lieu)
        if renouvellement is None or modification is None:
            return
        retenue = _Retenue(numero, (annexe.convention, renouvellement), modification, cellules)
        precedente = self.retenues.get(retenue.cle)
        if precedente is None:
            self.retenues[retenue.cle] = retenue
        elif precedente.modification == modification and precedente.cellules == cellules:
            self.ecartees[MOTIF_DOUBLON] += 1
        elif precedente.modification == modification:
            self.erreurs.append(
                f"{lieu} : même annexe et même avenant ({cellules['numero_annexe']}) qu'à la "
                f"ligne {precedente.numero}, avec d'autres valeurs : une seule ligne par annexe "
                "financière et avenant, sinon le montant serait versé deux fois."
            )
        else:
            self.ecartees[MOTIF_AVENANT] += 1
            if modification > precedente.modification:
                self.retenues[retenue.cle] = retenue

    def cellules(self, ligne: list[str], departement: str, lieu: str) -> dict[str, str] | None:
        base = self.champ(ligne, "af_montant_total_annuel")
        if self.nombre(base, lieu, "af_montant_total_annuel", lire_montant) is None:
            return None
        postes = self.champ(ligne, "af_etp_postes_insertion")
        if postes and self.nombre(postes, lieu, "af_etp_postes_insertion") is None:
            return None
        renouvellement = self.champ(ligne, "af_numero_avenant_renouvellement") or "0"
        modification = self.champ(ligne, "af_numero_avenant_modification") or "0"
        numero = self.champ(ligne, "af_numero_annexe_financiere").upper()
        cellules = {
            "departement": departement,
            "numero_convention": self.champ(ligne, "af_numero_convention"),
            "numero_annexe": f"{numero}A{renouvellement}M{modification}",
            "date_debut_effet_annexe": self.champ(ligne, "af_date_debut_effet"),
            "date_fin_effet_annexe": self.champ(ligne, "af_date_fin_effet"),
            "nb_postes": postes,
            "montant_etat": base,
            "montant_total": base,
            "etat": self.champ(ligne, "af_etat_annexe_financiere_code").upper(),
        }
        if self.mesure == "ACI":
            cofinance = self.champ(ligne, "af_mt_cofinance")
            indicateur = self.champ(ligne, "af_indic_cofinancement").lower()
            if cofinance == "" and indicateur == "true":
                self.erreurs.append(
                    f"{lieu}, colonne af_mt_cofinance : vide alors que af_indic_cofinancement "
                    "vaut « true »."
                )
                return None
            if cofinance and self.nombre(cofinance, lieu, "af_mt_cofinance", lire_montant) is None:
                return None
            cellules["cofinancement_cg"] = cofinance or "0"
        return cellules

    def date(self, ligne: list[str], nom: str, lieu: str) -> dt.date | None:
        texte = self.champ(ligne, nom)
        try:
            return dt.datetime.strptime(texte, "%d/%m/%Y").date()
        except ValueError:
            self.erreurs.append(
                f"{lieu}, colonne {nom} : « {texte} » n'est pas une date jj/mm/aaaa."
            )
            return None

    def nombre(self, texte: str, lieu: str, nom: str, lire=lire_nombre) -> Decimal | None:
        try:
            return lire(texte)
        except (CelluleEnErreur, NombreAmbigu) as erreur:
            self.erreurs.append(f"{lieu}, colonne {nom} : {erreur}")
            return None
        except ValueError as erreur:
            self.erreurs.append(f"{lieu}, colonne {nom} : {erreur}, ce n'est pas un montant.")
            return None

    def entier(self, ligne: list[str], nom: str, lieu: str) -> int | None:
        """Un numéro d'avenant (vide : 0) ; None et une erreur s'il n'en est pas un."""
        texte = self.champ(ligne, nom)
        if texte == "":
            return 0
        if texte.isascii() and texte.isdigit() and len(texte) <= CHIFFRES_AVENANT:
            return int(texte)
        self.erreurs.append(
            f"{lieu}, colonne {nom} : « {texte[:40]} » n'est pas un numéro d'avenant "
            f"(au plus {CHIFFRES_AVENANT} chiffres)."
        )
        return None

    def table(self, annuaire: Mapping[str, dict] | None) -> TableExport:
        if self.erreurs:
            raise ErreurEntree(
                f"{self.fichier} : {len(self.erreurs)} ligne(s) du FluxIAE illisible(s) :\n"
                + "\n".join(f"  - {e}" for e in self.erreurs)
            )
        retenues = sorted(self.retenues.values(), key=lambda r: r.numero)
        connues = set(CLES_ANNUAIRE) & {c for s in (annuaire or {}).values() for c in s if s[c]}
        cles = [c for c in CLES_TABLEAU[self.mesure] if c not in CLES_ANNUAIRE or c in connues]
        disposition = disposition_de_la_mesure(self.mesure)
        lignes = []
        for retenue in retenues:
            structure = (annuaire or {}).get(retenue.cle[0], {})
            valeurs = {**retenue.cellules, **{c: str(structure.get(c) or "") for c in connues}}
            lignes.append([valeurs[c] for c in cles])
        positions = {cle: j for j, cle in enumerate(cles)}
        positions["base"] = positions[
            "montant_total" if "montant_total" in cles else "montant_etat"
        ]
        provisoires = [r for r in retenues if r.cellules["etat"] == "PROVISOIRE"]
        remarques = []
        if provisoires:
            remarques.append(
                f"{len(provisoires)} annexe(s) retenue(s) à l'état PROVISOIRE (en vigueur, "
                "validation définitive à confirmer) : "
                + ", ".join(r.cellules["numero_annexe"] for r in provisoires)
                + "."
            )
        if annuaire is None:
            remarques.append(
                "Le FluxIAE ne donne ni SIRET ni raison sociale : indiquez la table des "
                "structures (--donnees) pour les nommer dans les tableaux et les décisions."
            )
        return TableExport(
            source="fluxiae",
            lieu=self.fichier,
            mesure=self.mesure,
            entetes=[disposition.colonne(c).entete for c in cles],
            lignes=lignes,
            numeros=[r.numero for r in retenues],
            positions=positions,
            montants={positions[c] for c in cles if c.startswith(("montant", "cofinancement"))},
            nombres={positions["nb_postes"]} if "nb_postes" in positions else set(),
            ecartees=dict(self.ecartees),
            remarques=remarques,
        )
