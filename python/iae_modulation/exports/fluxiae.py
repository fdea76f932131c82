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
import datetime as dt
import gzip
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, partial
from io import BufferedIOBase
from pathlib import Path
from typing import Protocol

from iae_modulation.encodages import lignes_du_flux
from iae_modulation.exports.entetes import disposition_de_la_mesure
from iae_modulation.exports.table import TableExport
from iae_modulation.lecture import (
    CelluleEnErreur,
    NombreAmbigu,
    est_erreur_excel,
    lire_montant,
    lire_nombre,
)
from iae_modulation.limites import LIGNES_MAX_FLUXIAE
from iae_modulation.referentiel import TYPES_SIAE, lire_numero_annexe
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
# Contrats passerelle (EIPA, ACIPA) : un autre financement que l'aide au poste de la SIAE.
MESURES_PASSERELLE = ("EIPA", "ACIPA")
MOTIF_PASSERELLE = "contrat passerelle ({code}) : ce n'est pas une aide au poste de la SIAE"
MOTIF_HORS_ANNEE = "dates d'effet hors de l'année {annee}"
MOTIF_AVENANT = "avenant antérieur de la même annexe (seul le dernier avenant actif compte)"
MOTIF_DOUBLON = "ligne répétée à l'identique (même annexe, même avenant, mêmes valeurs)"

VUE_ANNEXES = "AnnexeFinanciere"
_VUE = re.compile(r"DEB(?P<vue>[A-Za-z_]+?)\d{8}_\d{6}")
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


class ExamenFlux(Protocol):
    """Ce qui reçoit un FluxIAE lu : ses en-têtes, puis chaque ligne de données."""

    def entetes(self, entetes: list[str]) -> None: ...

    def examiner(self, numero: int, ligne: list[str]) -> None: ...

    def refuser(self, numero: int, ligne: list[str], message: str) -> None: ...


def parcourir_fluxiae(
    chemin: Path,
    vue: str,
    requises: tuple[str, ...],
    examen: ExamenFlux,
    limite: int = LIGNES_MAX_FLUXIAE,
) -> None:
    """Lit un FluxIAE de la vue `vue` au fil de l'eau : donne ses en-têtes à `examen`, puis
    chaque ligne de données (`examen.examiner(numero, cellules)`, numéro de ligne du fichier :
    `DEB` en ligne 1, en-tête en 2). Lève `ErreurEntree` si ce n'est pas un FluxIAE, si c'est
    une autre vue, s'il manque une colonne de `requises` ou la dernière ligne `FIN…`. Une ligne
    qui a des valeurs au-delà de la dernière colonne de l'en-tête (un « | » dans une valeur : les
    suivantes sont décalées) n'est pas examinée : `examen.refuser(numero, cellules, message)`."""
    chemin = verifier_fichier_entree(chemin)
    with _flux(chemin) as flux:
        lignes = lignes_du_flux(flux, chemin.name)
        debut = next(lignes, "")
        if not debut.startswith("DEB"):
            raise ErreurEntree(
                f"{chemin.name} : ce n'est pas un fichier FluxIAE (la première ligne devrait "
                "commencer par le marqueur « DEB »)."
            )
        autre = _VUE.match(debut)
        if autre and autre["vue"] != vue:
            raise ErreurEntree(
                f"{chemin.name} (ligne 1) : c'est la vue « {autre['vue']} » du FluxIAE, la vue "
                f"« {vue} » est attendue ici (fichiers intervertis ?)."
            )
        # séparateur seul, jamais de guillemets : un champ libre peut contenir un « " » isolé
        # (les-emplois lit de même) ; les lignes sont déjà coupées par `lignes_du_flux`
        cellules = (ligne.split("|") for ligne in lignes)
        entetes = [e.strip() for e in next(cellules, [])]
        if not entetes or entetes[0].startswith("FIN"):
            raise ErreurEntree(f"{chemin.name} : le FluxIAE ne contient pas de ligne d'en-tête.")
        manquantes = [c for c in requises if c not in entetes]
        if manquantes:
            raise ErreurEntree(
                f"{chemin.name} (ligne 2) : ce n'est pas la vue « {vue} » du "
                f"FluxIAE ; colonnes manquantes : {', '.join(manquantes)}."
            )
        examen.entetes(entetes)
        fin = _examiner_jusqu_a_fin(cellules, examen, chemin.name, len(entetes), limite, vue)
    if not fin:
        raise ErreurEntree(
            f"{chemin.name} : FluxIAE incomplet, la dernière ligne « FIN… » manque (fichier "
            "tronqué : téléchargement ou copie interrompus ?). Aucune ligne n'a été retenue : "
            "téléchargez de nouveau l'export complet."
        )


def lire_fluxiae(
    chemin: Path, mesure: str, annee: int, annuaire: Mapping[str, dict] | None = None
) -> TableExport:
    """Annexes de `mesure` actives en `annee`, une ligne par période d'aide (dernier avenant).

    `annuaire` : par n° d'annexe sans avenant (« ACI054210019 »), SIRET, raison sociale et
    commune de la structure ; les colonnes qu'il ne donne pas sont omises."""
    chemin = Path(chemin)
    selection = SelectionAnnexes(chemin.name, frozenset({mesure}), annee)
    selection.extraire = partial(_cellules_tableau, selection, mesure)
    parcourir_fluxiae(chemin, VUE_ANNEXES, COLONNES_REQUISES, selection)
    if selection.erreurs:
        raise ErreurEntree(
            f"{chemin.name} : {len(selection.erreurs)} ligne(s) du FluxIAE illisible(s) :\n"
            + "\n".join(f"  - {e.message}" for e in selection.erreurs)
        )
    return _table(selection, mesure, annuaire)


def _examiner_jusqu_a_fin(
    lecteur, examen: ExamenFlux, nom: str, largeur: int, limite: int, vue: str
) -> bool:
    """Examine chaque ligne de données ; vrai si la ligne `FIN…` a été trouvée en dernier."""
    fin = False
    for numero, ligne in enumerate(lecteur, start=3):
        if fin and any(c.strip() for c in ligne):
            raise ErreurEntree(f"{nom}, ligne {numero} : données après la ligne « FIN… ».")
        if ligne and ligne[0].startswith("FIN"):
            fin = True
        elif numero - 2 > limite:
            raise ErreurEntree(
                f"{nom} : plus de {limite} lignes ; ce n'est pas un FluxIAE « {vue} » (voir "
                "docs/donnees.md, « Limites »)."
            )
        elif not fin and any(c.strip() for c in ligne):
            if len(ligne) > largeur and any(c.strip() for c in ligne[largeur:]):
                examen.refuser(
                    numero,
                    ligne,
                    f"{nom}, ligne {numero} : {len(ligne)} champs pour {largeur} colonnes "
                    "d'en-tête : une valeur contient le séparateur « | », les suivantes sont "
                    "décalées ; rien n'est lu de cette ligne.",
                )
            else:
                examen.examiner(numero, ligne)
    return fin


def _compresse(chemin: Path) -> bool:
    return chemin.suffix.lower() == ".gz"


@contextlib.contextmanager
def _flux(chemin: Path) -> Iterator[BufferedIOBase]:
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
class Ecartee:
    """Une ligne d'annexe du FluxIAE laissée de côté, et pourquoi."""

    numero: int  # ligne du fichier
    annexe: str  # n° d'annexe avec ses avenants, tel que lu (« ACI054210019A0M1 »)
    mesure: str
    etat: str
    debut: str
    fin: str
    motif: str
    sans_avenant: str = ""  # le n° d'annexe tel que lu, sans ses avenants


@dataclass
class Retenue:
    """La ligne retenue pour une période d'aide (convention, avenant de renouvellement) :
    son dernier avenant de modification actif."""

    numero: int
    cle: tuple[str, int]  # (n° d'annexe sans avenant, avenant de renouvellement)
    modification: int
    cellules: dict[str, str]  # ce qu'en extrait l'appelant (`SelectionAnnexes.extraire`)
    ligne: list[str]  # la ligne telle que lue


@dataclass
class Illisible:
    """Une ligne qui ne peut pas être classée (date, nombre, numéro illisible)."""

    numero: int
    annexe: str
    message: str  # « fichier, ligne N, colonne … : … »


class SelectionAnnexes:
    """Trie les lignes de la vue « AnnexeFinanciere » : retenues (une par période d'aide, son
    dernier avenant actif), écartées (motif), illisibles (message). Sert l'annexe 5 (une mesure)
    et `preparer` (les cinq mesures) ; `extraire(ligne, lieu)` lit ce dont l'appelant a besoin
    et renvoie None (après `signaler`) si une valeur est illisible."""

    def __init__(
        self, fichier: str, mesures: frozenset[str], annee: int, motifs: bool = True
    ) -> None:
        """`motifs=False` : les lignes écartées ne sont pas gardées (sélection qui ne sert
        qu'à retrouver des annexes, dont les écartées ne sont rapportées nulle part)."""
        self.fichier, self.mesures, self.annee = fichier, mesures, annee
        self.garder_ecartees = motifs
        self._debut_d_annee, self._fin_d_annee = dt.date(annee, 1, 1), dt.date(annee, 12, 31)
        self.index: dict[str, int] = {}
        self.ecartees: list[Ecartee] = []
        self.erreurs: list[Illisible] = []
        self.retenues: dict[tuple[str, int], Retenue] = {}
        # (période, avenant) de deux lignes contradictoires : aucune n'est retenue
        self.conflits: set[tuple[tuple[str, int], int]] = set()
        self.extraire: Callable[[list[str], str], dict[str, str] | None] = lambda ligne, lieu: {}
        self._numero = 0

    @property
    def motifs(self) -> Counter[str]:
        """Nombre de lignes écartées par motif."""
        return Counter(e.motif for e in self.ecartees)

    def champ(self, ligne: list[str], nom: str) -> str:
        position = self.index.get(nom)
        return ligne[position].strip() if position is not None and position < len(ligne) else ""

    def signaler(self, message: str) -> None:
        """Une valeur illisible de la ligne en cours d'examen."""
        self.erreurs.append(Illisible(self._numero, self._annexe, message))

    def refuser(self, numero: int, ligne: list[str], message: str) -> None:
        """Une ligne aux valeurs décalées : illisible, quelle que soit sa mesure."""
        annexe = self.champ(ligne, "af_numero_annexe_financiere").upper()
        self.erreurs.append(Illisible(numero, annexe, message))

    def entetes(self, entetes: list[str]) -> None:
        self.index = {nom: i for i, nom in enumerate(entetes)}

    def examiner(self, numero: int, ligne: list[str]) -> None:
        self._numero = numero
        self._annexe = self.champ(ligne, "af_numero_annexe_financiere").upper()
        code = self.champ(ligne, "af_mesure_dispositif_code").upper()
        etat = self.champ(ligne, "af_etat_annexe_financiere_code").upper()
        mesure = code.split("_")[0]
        if mesure not in self.mesures:
            self.ecarter(numero, ligne, motif_mesure(code))
            return
        if etat not in ETATS_ACTIFS:
            self.ecarter(numero, ligne, MOTIFS_ETAT.get(etat, f"état inactif ({etat or 'vide'})"))
            return
        lieu = f"{self.fichier}, ligne {numero}"
        nombre_d_erreurs = len(self.erreurs)
        debut = self.date(ligne, "af_date_debut_effet", lieu)
        fin = self.date(ligne, "af_date_fin_effet", lieu)
        if len(self.erreurs) > nombre_d_erreurs or debut is None or fin is None:
            return
        if debut > self._fin_d_annee or fin < self._debut_d_annee:  # avant de lire le reste
            self.ecarter(numero, ligne, MOTIF_HORS_ANNEE.format(annee=self.annee))
            return
        annexe = lire_numero_annexe(self._annexe)
        if annexe is None or annexe.mesure != mesure:
            self.signaler(
                f"{lieu}, colonne af_numero_annexe_financiere : « {self._annexe} » n'est pas "
                f"un numéro d'annexe financière {mesure} (le département ne peut pas en être "
                "tiré)."
            )
            return
        renouvellement = self.entier(ligne, "af_numero_avenant_renouvellement", lieu)
        modification = self.entier(ligne, "af_numero_avenant_modification", lieu)
        cellules = self.extraire(ligne, lieu)
        if (
            len(self.erreurs) > nombre_d_erreurs
            or cellules is None
            or renouvellement is None
            or modification is None
        ):
            return
        retenue = Retenue(
            numero, (annexe.convention, renouvellement), modification, cellules, ligne
        )
        precedente = self.retenues.get(retenue.cle)
        if precedente is None:
            self.retenues[retenue.cle] = retenue
        elif precedente.modification == modification and precedente.cellules == cellules:
            self.ecarter(numero, ligne, MOTIF_DOUBLON)
        elif precedente.modification == modification:
            avenant = f"{self._annexe}A{renouvellement}M{modification}"
            self.signaler(
                f"{lieu} : même annexe et même avenant ({avenant}) qu'à la ligne "
                f"{precedente.numero}, avec d'autres valeurs : une seule ligne par annexe "
                "financière et avenant, sinon le montant serait versé deux fois."
            )
            if (retenue.cle, modification) not in self.conflits:
                self.conflits.add((retenue.cle, modification))
                self.erreurs.append(
                    Illisible(
                        precedente.numero,
                        self._annexe,
                        f"{self.fichier}, ligne {precedente.numero} : même annexe et même "
                        f"avenant ({avenant}) qu'à la ligne {numero}, avec d'autres valeurs : "
                        "aucune des deux n'est retenue.",
                    )
                )
        elif modification > precedente.modification:
            self.retenues[retenue.cle] = retenue
            if (precedente.cle, precedente.modification) not in self.conflits:
                self.ecarter(precedente.numero, precedente.ligne, MOTIF_AVENANT)
        else:
            self.ecarter(numero, ligne, MOTIF_AVENANT)

    def ecarter(self, numero: int, ligne: list[str], motif: str) -> None:
        if not self.garder_ecartees:
            return
        avenant = (
            f"A{self.champ(ligne, 'af_numero_avenant_renouvellement') or '0'}"
            f"M{self.champ(ligne, 'af_numero_avenant_modification') or '0'}"
        )
        numero_annexe = self.champ(ligne, "af_numero_annexe_financiere").upper()
        self.ecartees.append(
            Ecartee(
                numero,
                numero_annexe + avenant,
                self.champ(ligne, "af_mesure_dispositif_code").upper(),
                self.champ(ligne, "af_etat_annexe_financiere_code").upper(),
                self.champ(ligne, "af_date_debut_effet"),
                self.champ(ligne, "af_date_fin_effet"),
                motif,
                numero_annexe,
            )
        )

    def date(self, ligne: list[str], nom: str, lieu: str) -> dt.date | None:
        texte = self.champ(ligne, nom)
        try:
            return date_fluxiae(texte)
        except ValueError:
            self.signaler(f"{lieu}, colonne {nom} : « {texte} » n'est pas une date jj/mm/aaaa.")
            return None

    def nombre(self, texte: str, lieu: str, nom: str, etp: bool = False) -> Decimal | None:
        """Un nombre d'ETP ou un montant du FluxIAE (`nombre_fluxiae`), le montant au centime
        près (`lire_montant` : « 182.888 » est refusé) ; None et une erreur sinon."""
        quoi = "un nombre d'ETP" if etp else "un montant"
        try:
            return nombre_fluxiae(texte, lire_nombre if etp else lire_montant)
        except (CelluleEnErreur, NombreAmbigu) as erreur:
            self.signaler(f"{lieu}, colonne {nom} : {erreur}")
            return None
        except ValueError as erreur:
            self.signaler(f"{lieu}, colonne {nom} : {erreur}, ce n'est pas {quoi}.")
            return None

    def entier(self, ligne: list[str], nom: str, lieu: str) -> int | None:
        """Un numéro d'avenant (vide : 0) ; None et une erreur s'il n'en est pas un."""
        texte = self.champ(ligne, nom)
        if texte == "":
            return 0
        if texte.isascii() and texte.isdigit() and len(texte) <= CHIFFRES_AVENANT:
            return int(texte)
        self.signaler(
            f"{lieu}, colonne {nom} : « {texte[:40]} » n'est pas un numéro d'avenant "
            f"(au plus {CHIFFRES_AVENANT} chiffres)."
        )
        return None

    def retenues_dans_l_ordre(self) -> list[Retenue]:
        """Les lignes retenues, dans l'ordre du fichier ; jamais une ligne contredite."""
        return sorted(
            (r for r in self.retenues.values() if (r.cle, r.modification) not in self.conflits),
            key=lambda r: r.numero,
        )


@lru_cache(maxsize=8192)
def date_fluxiae(texte: str) -> dt.date:
    """« 31/12/2026 » (jj/mm/aaaa) ; ValueError sinon. Mémorisée : un FluxIAE répète les mêmes
    dates de ligne en ligne."""
    return dt.datetime.strptime(texte, "%d/%m/%Y").date()


_NOMBRE_FLUXIAE = re.compile(r"-?\d+(?:\.\d+)?")


def nombre_fluxiae(texte: str, lire: Callable[[str], Decimal] = lire_nombre) -> Decimal:
    """Un nombre écrit comme le FluxIAE les écrit : chiffres et point décimal (« 8.15 »,
    « 162160.55 », « -3 »), lu par `lire` (`lire_montant` refuse trois décimales). Une virgule,
    une espace ou un séparateur de milliers disent un autre format : ValueError, jamais deviné ;
    une valeur d'erreur d'Excel : `CelluleEnErreur` ; au-delà des limites : `NombreHorsLimites`."""
    if not _NOMBRE_FLUXIAE.fullmatch(texte):
        if est_erreur_excel(texte):
            raise CelluleEnErreur(texte)
        raise ValueError(f"« {texte[:40]} » n'est pas écrit comme un nombre du FluxIAE (8.15)")
    return lire(texte)


def booleen_fluxiae(texte: str) -> bool | None:
    """« true » / « false » du FluxIAE (vide : None) ; autre chose : ValueError."""
    valeur = texte.strip().lower()
    if valeur in ("true", "false"):
        return valeur == "true"
    if valeur == "":
        return None
    raise ValueError(f"« {texte[:40]} » : « true » ou « false » attendu")


def motif_mesure(code: str) -> str:
    """Pourquoi une ligne d'une autre mesure n'est pas retenue."""
    mesure = code.split("_")[0]
    if mesure == "FDI":
        return MOTIF_FDI
    if mesure in MESURES_PASSERELLE:
        return MOTIF_PASSERELLE.format(code=code)
    if mesure in TYPES_SIAE:
        return f"autre mesure ({code})"
    return f"mesure sans aide au poste ({code or 'vide'})"


def _cellules_tableau(selection: SelectionAnnexes, mesure: str, ligne, lieu) -> dict | None:
    """Les colonnes du tableau de l'annexe 5 (`CLES_TABLEAU`), en texte."""
    base = selection.champ(ligne, "af_montant_total_annuel")
    if selection.nombre(base, lieu, "af_montant_total_annuel") is None:
        return None
    postes = selection.champ(ligne, "af_etp_postes_insertion")
    if postes and selection.nombre(postes, lieu, "af_etp_postes_insertion", etp=True) is None:
        return None
    renouvellement = selection.champ(ligne, "af_numero_avenant_renouvellement") or "0"
    modification = selection.champ(ligne, "af_numero_avenant_modification") or "0"
    numero = selection.champ(ligne, "af_numero_annexe_financiere").upper()
    annexe = lire_numero_annexe(numero)
    cellules = {
        "departement": annexe.departement if annexe else "",
        "numero_convention": selection.champ(ligne, "af_numero_convention"),
        "numero_annexe": f"{numero}A{renouvellement}M{modification}",
        "date_debut_effet_annexe": selection.champ(ligne, "af_date_debut_effet"),
        "date_fin_effet_annexe": selection.champ(ligne, "af_date_fin_effet"),
        "nb_postes": postes,
        "montant_etat": base,
        "montant_total": base,
        "etat": selection.champ(ligne, "af_etat_annexe_financiere_code").upper(),
    }
    if mesure == "ACI":
        cofinance = selection.champ(ligne, "af_mt_cofinance")
        indicateur = selection.champ(ligne, "af_indic_cofinancement").lower()
        if cofinance == "" and indicateur == "true":
            selection.signaler(
                f"{lieu}, colonne af_mt_cofinance : vide alors que af_indic_cofinancement "
                "vaut « true »."
            )
            return None
        if cofinance and selection.nombre(cofinance, lieu, "af_mt_cofinance") is None:
            return None
        cellules["cofinancement_cg"] = cofinance or "0"
    return cellules


def _table(
    selection: SelectionAnnexes, mesure: str, annuaire: Mapping[str, dict] | None
) -> TableExport:
    retenues = selection.retenues_dans_l_ordre()
    connues = set(CLES_ANNUAIRE) & {c for s in (annuaire or {}).values() for c in s if s[c]}
    cles = [c for c in CLES_TABLEAU[mesure] if c not in CLES_ANNUAIRE or c in connues]
    disposition = disposition_de_la_mesure(mesure)
    lignes = []
    for retenue in retenues:
        structure = (annuaire or {}).get(retenue.cle[0], {})
        valeurs = {**retenue.cellules, **{c: str(structure.get(c) or "") for c in connues}}
        lignes.append([valeurs[c] for c in cles])
    positions = {cle: j for j, cle in enumerate(cles)}
    positions["base"] = positions["montant_total" if "montant_total" in cles else "montant_etat"]
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
        lieu=selection.fichier,
        mesure=mesure,
        entetes=[disposition.colonne(c).entete for c in cles],
        lignes=lignes,
        numeros=[r.numero for r in retenues],
        positions=positions,
        montants={positions[c] for c in cles if c.startswith(("montant", "cofinancement"))},
        nombres={positions["nb_postes"]} if "nb_postes" in positions else set(),
        ecartees=dict(selection.motifs),
        remarques=remarques,
    )
