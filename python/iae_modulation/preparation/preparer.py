"""La table canonique d'une campagne depuis les extractions de l'ASP (docs/conception.md, « Vers la
campagne 2027 » : `preparer` est un adaptateur comme `exports/`).

Une ligne par annexe financière de l'année N du FluxIAE des annexes (`annexes`), complétée par le
bilan annuel de l'ASP de l'année N − 1 (publics et sorties, note DGEFP n° 2014-04, annexe 2) et
par le FluxIAE des structures (SIRET, raison sociale, adresse). Chaque valeur garde sa source
(fichier, ligne, colonne) ; chaque ligne d'annexe lue finit dans la table ou parmi les écartées
avec son motif ; chaque valeur peu vraisemblable est signalée, jamais corrigée ; une structure
présente dans une source et absente de l'autre est listée.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from iae_modulation import parametres
from iae_modulation.donnees import NOMS_COLONNES, valider
from iae_modulation.exports.bilan_asp import BilanASP, LigneBilan, lire_bilan
from iae_modulation.exports.fluxiae import Ecartee, Illisible
from iae_modulation.exports.structures_fluxiae import StructuresFluxIAE, lire_structures
from iae_modulation.lecture import TableBrute, lire_effectif
from iae_modulation.parallele import en_parallele
from iae_modulation.preparation import vraisemblance
from iae_modulation.preparation.annexes import AnnexeRetenue, LectureAnnexes, lire_annexes
from iae_modulation.preparation.correspondance import DEPUIS_LE_BILAN, MINIMA
from iae_modulation.referentiel import departements, numero_annexe
from iae_modulation.regles import ReglesDatees
from iae_modulation.sorties import ErreurEntree
from iae_modulation.table_canonique import RapportValidation

NOM_DONNEES = "donnees.csv"
ENCADREMENT = "af_etp_encadrement_tech_accomp_sociop_annee_prec"
ENCADREMENT_ELARGI = (
    "af_etp_trava_non_salaries",
    "af_etp_presta_ext_enca_tech_accomp_sociopa_annee_prec",
)
DEPUIS_L_ANNEXE = {
    "etp_conventionnes": "af_etp_postes_insertion",
    "montant_socle": "af_montant_total_annuel",
    "dont_cofinancement_cd": "af_mt_cofinance",
    "etp_insertion": "af_etp_pers_agrees_pole_emploi_iae_annee_prec",
}
LIBELLES_MINIMA = {"rsa": "RSA", "ass": "ASS", "aah": "AAH"}


@dataclass(slots=True)
class Valeur:
    """Une valeur de la table préparée et sa source (fichier, ligne, colonne)."""

    texte: str
    fichier: str
    ligne: int | None
    colonne: str
    remarque: str = ""


@dataclass
class Signalement:
    """Une valeur à vérifier. `bloquant` : `calculer` refusera la table tant qu'elle reste."""

    identifiant: str
    colonne: str
    valeur: str
    message: str
    fichier: str = ""
    ligne: int | None = None
    source: str = ""
    bloquant: bool = False


@dataclass
class Absence:
    """Ce qu'une source donne et que l'autre n'a pas (« Rapprochement des sources »)."""

    fichier: str
    ligne: int | None
    cle: str  # n° d'annexe ou identifiant de structure
    nom: str
    message: str


@dataclass
class Preparation:
    """Tout ce que `preparer` a lu, retenu, écarté et signalé, prêt à écrire."""

    annee: int
    annexes: LectureAnnexes
    bilan: BilanASP | None
    structures: StructuresFluxIAE | None
    encadrement_elargi: bool
    lignes: list[dict[str, Valeur]] = field(default_factory=list)
    signalements: list[Signalement] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    annees_du_bilan: Counter = field(default_factory=Counter)
    controle: RapportValidation = field(default_factory=RapportValidation)

    @property
    def ecartees(self) -> list[Ecartee]:
        return self.annexes.ecartees

    @property
    def illisibles(self) -> list[Illisible]:
        return self.annexes.illisibles

    def table(self) -> pd.DataFrame:
        """La table canonique, en texte (nombres à la virgule décimale, comme `calculer` les
        lit), colonnes dans l'ordre canonique."""
        return pd.DataFrame(
            [
                [ligne[c].texte if c in ligne else "" for c in NOMS_COLONNES]
                for ligne in self.lignes
            ],
            columns=list(NOMS_COLONNES),
            dtype=str,
        )


def preparer(
    annexes: Path,
    annee: int,
    *,
    bilan: Path | None = None,
    structures: Path | None = None,
    encadrement_elargi: bool = False,
) -> Preparation:
    """Lit les fichiers de l'ASP et construit la table de la campagne `annee` ; lève
    `ErreurEntree` si un fichier est refusé, si aucune annexe de l'année n'est retenue ou si le
    bilan n'a aucune ligne de l'année N − 1."""
    # le bilan (un .xlsx, le plus long à lire) est lu sur le second cœur pendant le FluxIAE
    with en_parallele(_lire_si, lire_bilan, bilan) as bilan_lu:
        # les annexes de N − 1 ne servent qu'à relier le bilan quand le n° d'annexe a changé
        lecture = lire_annexes(Path(annexes), annee, precedentes=bilan is not None)
        if not lecture.retenues:
            motifs = Counter(e.motif for e in lecture.ecartees)
            detail = "".join(f"\n  - {motif} : {n}" for motif, n in motifs.most_common())
            illisibles = "".join(f"\n  - {i.message}" for i in lecture.illisibles[:20])
            raise ErreurEntree(
                f"{Path(annexes).name} : aucune annexe financière de l'année {annee} (EI, ETTI, "
                f"AI, ACI, EITI) à retenir sur {lecture.lignes_lues} ligne(s) lue(s)."
                + (f"\nLignes écartées :{detail}" if detail else "")
                + (f"\nLignes illisibles :{illisibles}" if illisibles else "")
            )
        lues = _lire_si(lire_structures, structures)
        preparation = Preparation(annee, lecture, bilan_lu(), lues, encadrement_elargi)
    _Assemblage(preparation).executer()
    return preparation


def _lire_si(lire, chemin: Path | None):
    return lire(Path(chemin)) if chemin is not None else None


class _Assemblage:
    """Les lignes de la table, une annexe après l'autre, et les listes du rapport."""

    def __init__(self, preparation: Preparation) -> None:
        self.p = preparation
        self.fichier_annexes = preparation.annexes.fichier.name
        self.fichier_bilan = preparation.bilan.fichier.name if preparation.bilan else ""
        self.bilan_par_annexe: dict[str, list[LigneBilan]] = defaultdict(list)
        self.lignes_bilan_utilisees: set[int] = set()
        self.nombres_lus: dict[str, Decimal | None] = {}
        if preparation.bilan is not None:
            self._indexer_bilan(preparation.bilan)

    def _indexer_bilan(self, bilan: BilanASP) -> None:
        voulue = self.p.annee - 1
        for ligne in bilan.lignes:
            self.p.annees_du_bilan[ligne.annee] += 1
            if ligne.annee != voulue:
                continue
            if ligne.convention is None:
                self._constat_bilan(
                    ligne,
                    ligne.numero,
                    f"« {ligne.numero} » n'est pas un numéro d'annexe financière : cette ligne "
                    "du bilan ne peut être reliée à aucune annexe.",
                )
                continue
            self.bilan_par_annexe[ligne.convention].append(ligne)
        if not any(self.bilan_par_annexe.values()):
            presentes = ", ".join(str(a) for a in sorted(a for a in self.p.annees_du_bilan if a))
            raise ErreurEntree(
                f"{bilan.fichier.name} : aucune ligne de l'année {voulue} (les indicateurs de la "
                f"campagne {self.p.annee} portent sur l'année {voulue}) ; années présentes : "
                f"{presentes or 'aucune lisible'}. Est-ce le bilan de la bonne année ?"
            )

    def executer(self) -> None:
        retenues = self.p.annexes.retenues
        structures_vues: set[str] = set()
        for annexe in retenues:
            ligne = self._ligne(annexe)
            structures_vues.add(annexe.structure)
            self.p.lignes.append(ligne)
        self._bilan_sans_annexe()
        self._structures_sans_annexe(structures_vues)
        self._controler_la_table()

    # --- une ligne --------------------------------------------------------------------------

    def _ligne(self, annexe: AnnexeRetenue) -> dict[str, Valeur]:
        def depuis_annexe(texte: str, colonne: str, remarque: str = "") -> Valeur:
            return Valeur(texte, self.fichier_annexes, annexe.ligne, colonne, remarque)

        departement = numero_annexe(annexe.identifiant).departement
        debut, fin = annexe.periode()
        ligne = {
            "identifiant": depuis_annexe(
                annexe.identifiant,
                "af_numero_annexe_financiere",
                f"avenant retenu {annexe.avenant} (état "
                f"{annexe.cellules['af_etat_annexe_financiere_code']})",
            ),
            "type": depuis_annexe(annexe.type, "af_mesure_dispositif_code"),
            "departement": depuis_annexe(departement, "af_numero_annexe_financiere"),
            "region": Valeur(departements()[departement].region, "", None, "", "du département"),
            "milieu_penitentiaire": depuis_annexe(
                "oui" if annexe.penitentiaire else "non",
                "af_mesure_dispositif_code, af_indic_perimetre_milieu_penitentiaire",
            ),
        }
        periode = {
            "_debut": debut,
            "_fin": fin,
            "_annee": self.p.annee,
            "_etat": annexe.cellules["af_etat_annexe_financiere_code"].upper(),
        }
        for colonne, source in DEPUIS_L_ANNEXE.items():
            texte = annexe.cellules[source]
            if texte:  # vérifié par la lecture du FluxIAE (`annexes.NOMBRES`)
                ligne[colonne] = depuis_annexe(_texte_fr(Decimal(texte)), source)
        for colonne, message in vraisemblance.signalements(periode):
            self._signaler(ligne, colonne, message)
        self._encadrement(annexe, ligne)
        if (
            annexe.cellules["af_indic_cofinancement"].lower() == "true"
            and not annexe.cellules["af_mt_cofinance"]
        ):
            self._signaler(
                ligne,
                "dont_cofinancement_cd",
                "af_indic_cofinancement vaut « true » mais af_mt_cofinance est vide : montant "
                "du cofinancement du département inconnu",
                depuis_annexe("", "af_mt_cofinance"),
            )
        self._depuis_le_bilan(annexe, ligne)
        self._depuis_les_structures(annexe, ligne)
        return ligne

    def _encadrement(self, annexe: AnnexeRetenue, ligne: dict) -> None:
        """ETP d'encadrement déclarés pour N − 1 dans la demande d'aide de l'année N ; avec
        `encadrement_elargi`, plus les non-salariés et les prestataires externes (tous vérifiés
        par la lecture du FluxIAE)."""
        principal = annexe.cellules[ENCADREMENT]
        if not principal:
            return
        sources = [ENCADREMENT]
        total = Decimal(principal)
        if self.p.encadrement_elargi:
            for colonne in ENCADREMENT_ELARGI:
                if annexe.cellules[colonne]:
                    total += Decimal(annexe.cellules[colonne])
                    sources.append(colonne)
        ligne["etp_encadrement"] = Valeur(
            _texte_fr(total), self.fichier_annexes, annexe.ligne, " + ".join(sources)
        )

    def _depuis_le_bilan(self, annexe: AnnexeRetenue, ligne: dict) -> None:
        bilan = self.p.bilan
        if bilan is None:
            return
        trouvees, via = self._lignes_du_bilan(annexe)
        if not trouvees:
            self._constat_annexe(
                annexe,
                ligne,
                f"annexe de l'année {self.p.annee} sans ligne de l'année {self.p.annee - 1} "
                f"dans le bilan{via} : publics et sorties laissés vides (indicateurs non "
                "calculables, score neutre), à compléter si le bilan existe",
            )
            return
        choisie = trouvees[0]
        if any(t.valeurs != choisie.valeurs for t in trouvees[1:]):
            self._constat_bilan(
                choisie,
                annexe.identifiant,
                f"{len(trouvees)} lignes du bilan {self.p.annee - 1} pour cette annexe "
                f"(lignes {', '.join(str(t.ligne) for t in trouvees)}), avec des valeurs "
                "différentes : l'outil ne choisit pas, publics et sorties laissés vides (à saisir)",
            )
            self.lignes_bilan_utilisees.update(t.ligne for t in trouvees)
            return
        for doublon in trouvees[1:]:
            self._constat_bilan(
                doublon,
                annexe.identifiant,
                f"ligne du bilan répétée à l'identique (ligne {choisie.ligne}) : comptée une fois",
            )
        self.lignes_bilan_utilisees.update(t.ligne for t in trouvees)
        remarque = f"bilan de l'annexe {choisie.numero}{via}"

        def valeur(texte: str, rubrique: str) -> Valeur:
            return Valeur(
                texte, self.fichier_bilan, choisie.ligne, bilan.colonnes[rubrique], remarque
            )

        for colonne, rubrique in DEPUIS_LE_BILAN.items():
            if rubrique in bilan.colonnes and choisie.valeurs[rubrique]:
                ligne[colonne] = self._effectif(valeur(choisie.valeurs[rubrique], rubrique))
        self._minima(ligne, choisie, valeur)
        if "siret" in bilan.colonnes and choisie.valeurs["siret"]:
            ligne["siret"] = valeur("".join(choisie.valeurs["siret"].split()), "siret")
        if "denomination" in bilan.colonnes and choisie.valeurs["denomination"]:
            ligne["raison_sociale"] = valeur(choisie.valeurs["denomination"], "denomination")
        mesure = choisie.valeurs.get("mesure", "").upper().replace(" ", "_").split("_")[0]
        if mesure and mesure != annexe.type:
            self._signaler(
                ligne,
                "type",
                f"le bilan dit « {choisie.valeurs['mesure']} » pour cette annexe {annexe.type}",
                valeur(choisie.valeurs["mesure"], "mesure"),
            )

    def _lignes_du_bilan(self, annexe: AnnexeRetenue) -> tuple[list[LigneBilan], str]:
        """Les lignes du bilan N − 1 de l'annexe ; sinon celles de l'annexe N − 1 de la même
        structure et de la même mesure quand il n'y en a qu'une (n° d'annexe changé)."""
        directes = self.bilan_par_annexe.get(annexe.identifiant, [])
        if directes or not annexe.structure:
            return directes, ""
        precedentes = [
            p
            for p in self.p.annexes.precedentes.get((annexe.structure, annexe.type), [])
            if p != annexe.identifiant
        ]
        if len(precedentes) == 1:
            return (
                self.bilan_par_annexe.get(precedentes[0], []),
                f" (par l'annexe {precedentes[0]} de {self.p.annee - 1}, même structure "
                "af_id_structure et même mesure)",
            )
        if len(precedentes) > 1:
            return [], (
                f" (la structure avait {len(precedentes)} annexes {annexe.type} en "
                f"{self.p.annee - 1} : {', '.join(precedentes)} ; l'outil ne choisit pas)"
            )
        return [], ""

    def _lu(self, texte: str) -> Decimal | None:
        """Un nombre de personnes ou de sorties du bilan (`lire_effectif`, comme `calculer` le
        lira) ; None s'il ne se lit pas."""
        if texte not in self.nombres_lus:  # les mêmes petits nombres, des milliers de fois
            try:
                self.nombres_lus[texte] = lire_effectif(texte)
            except ValueError:
                self.nombres_lus[texte] = None
        return self.nombres_lus[texte]

    def _effectif(self, source: Valeur) -> Valeur:
        """La valeur du bilan pour la table : le nombre lu, ou, s'il ne se lit pas (« #N/A »,
        « 8,5 »), la cellule telle qu'écrite, que `calculer` refusera (jamais laissée vide)."""
        nombre = self._lu(source.texte)
        if nombre is None:
            return source
        return Valeur(
            _texte_fr(nombre), source.fichier, source.ligne, source.colonne, source.remarque
        )

    def _minima(self, ligne: dict, choisie: LigneBilan, valeur) -> None:
        """Bénéficiaires de minima sociaux = RSA + ASS + AAH (note 2014-04, fiche « publics »).
        Une rubrique absente du bilan laisse la valeur vide ; une case vide est signalée ; une
        case illisible est recopiée telle quelle (`calculer` la refusera)."""
        bilan = self.p.bilan
        if bilan is None or any(r not in bilan.colonnes for r in MINIMA):
            return
        parties: list[tuple[str, Decimal]] = []
        vides: list[tuple[str, None]] = []
        for rubrique in MINIMA:
            source = valeur(choisie.valeurs[rubrique], rubrique)
            lu = self._lu(source.texte) if source.texte else None
            if not source.texte:
                vides.append((rubrique, None))
            elif lu is None:
                ligne["nb_beneficiaires_minima"] = source
                return
            else:
                parties.append((rubrique, lu))
        if not parties:
            return
        total = sum((n for _, n in parties), Decimal(0))
        detail = " + ".join(f"{LIBELLES_MINIMA[r]} {_texte_fr(n)}" for r, n in parties) + "".join(
            f" (+ {LIBELLES_MINIMA[r]} vide)" for r, _ in vides
        )
        ligne["nb_beneficiaires_minima"] = Valeur(
            _texte_fr(total),
            bilan.fichier.name,
            choisie.ligne,
            " + ".join(bilan.colonnes[r] for r in MINIMA),
            f"{detail} ; bilan de l'annexe {choisie.numero}",
        )
        if vides:
            self._signaler(
                ligne,
                "nb_beneficiaires_minima",
                "case(s) vide(s) dans le bilan ("
                + ", ".join(LIBELLES_MINIMA[r] for r, _ in vides)
                + f") comptée(s) pour zéro : {detail}",
                ligne["nb_beneficiaires_minima"],
            )

    def _depuis_les_structures(self, annexe: AnnexeRetenue, ligne: dict) -> None:
        structures = self.p.structures
        if structures is None:
            return
        structure = structures.structures.get(annexe.structure)
        if structure is None:
            decalees = [n for n, i, _ in structures.decalees if i == annexe.structure]
            if annexe.structure in structures.doublons:
                raison = (
                    f"structure {annexe.structure} sur plusieurs lignes différentes du FluxIAE "
                    f"des structures (lignes "
                    f"{', '.join(map(str, structures.doublons[annexe.structure]))})"
                )
            elif decalees:
                raison = (
                    f"structure {annexe.structure} : ligne(s) {', '.join(map(str, decalees))} "
                    "du FluxIAE des structures aux valeurs décalées, non lue(s)"
                )
            else:
                raison = (
                    f"structure af_id_structure = « {annexe.structure} » absente du FluxIAE "
                    "des structures"
                )
            self._constat_annexe(
                annexe,
                ligne,
                f"{raison} : "
                + ("SIRET et raison sociale pris dans le bilan, " if "siret" in ligne else "")
                + "adresse à compléter",
            )
            return
        fichier = structures.fichier.name

        def depuis(texte: str, colonne: str, remarque: str = "") -> Valeur:
            return Valeur(texte, fichier, structure.ligne, colonne, remarque)

        precedent = ligne.get("siret")
        if precedent and structure.siret and precedent.texte != structure.siret:
            self._signaler(
                ligne,
                "siret",
                f"SIRET du bilan « {precedent.texte} » différent de celui du FluxIAE des "
                f"structures « {structure.siret} » (retenu : SIRET actualisé)",
                precedent,
            )
        ligne["siret"] = depuis(structure.siret, "structure_siret_actualise")
        ligne["raison_sociale"] = depuis(structure.denomination, "structure_denomination")
        ligne["adresse"] = depuis(
            structure.adresse,
            f"structure_adresse_{structure.adresse_de}_numero … _cplt_adresse",
        )
        ligne["code_postal"] = depuis(
            structure.code_postal, structure.colonne("cp"), "; ".join(structure.remarques)
        )
        ligne["commune"] = depuis(structure.commune, structure.colonne("commune"))

    # --- listes du rapport --------------------------------------------------------------------

    def _constat_bilan(self, ligne: LigneBilan, cle: str, message: str) -> None:
        """Une ligne du bilan qui ne trouve pas (ou pas seule) son annexe."""
        self.p.absences.append(
            Absence(
                self.fichier_bilan, ligne.ligne, cle, ligne.valeurs.get("denomination", ""), message
            )
        )

    def _constat_annexe(self, annexe: AnnexeRetenue, ligne: dict, message: str) -> None:
        """Une annexe de la table à qui une autre source manque."""
        nom = ligne["raison_sociale"].texte if "raison_sociale" in ligne else ""
        self.p.absences.append(
            Absence(self.fichier_annexes, annexe.ligne, annexe.identifiant, nom, message)
        )

    def _signaler(self, ligne: dict, colonne: str, message: str, source: Valeur | None = None):
        source = source or ligne.get(colonne) or Valeur("", "", None, "")
        self.p.signalements.append(
            Signalement(
                ligne["identifiant"].texte,
                colonne,
                source.texte,
                message,
                source.fichier,
                source.ligne,
                source.colonne,
            )
        )

    def _bilan_sans_annexe(self) -> None:
        bilan = self.p.bilan
        if bilan is None:
            return
        motifs = defaultdict(list)
        for ecartee in self.p.ecartees:
            motifs[ecartee.sans_avenant].append(ecartee.motif)
        for convention, lignes in self.bilan_par_annexe.items():
            for ligne in lignes:
                if ligne.ligne in self.lignes_bilan_utilisees:
                    continue
                pourquoi = "; ".join(dict.fromkeys(motifs.get(convention, [])))
                self._constat_bilan(
                    ligne,
                    ligne.numero,
                    f"dans le bilan {self.p.annee - 1}, mais aucune annexe de l'année "
                    f"{self.p.annee} ne s'y rattache dans le FluxIAE des annexes"
                    + (f" (annexe écartée : {pourquoi})" if pourquoi else ""),
                )

    def _structures_sans_annexe(self, vues: set[str]) -> None:
        structures = self.p.structures
        if structures is None:
            return
        for numero, identifiant, message in structures.decalees:
            self.p.absences.append(
                Absence(structures.fichier.name, numero, identifiant, "", message)
            )
        for identifiant, structure in structures.structures.items():
            if identifiant not in vues:
                self.p.absences.append(
                    Absence(
                        structures.fichier.name,
                        structure.ligne,
                        identifiant,
                        structure.denomination,
                        f"structure sans annexe de l'année {self.p.annee} retenue (EI, ETTI, AI, "
                        "ACI, EITI)",
                    )
                )

    def _controler_la_table(self) -> None:
        """Les contrôles de `calculer` sur la table préparée (`donnees.valider`, puis les règles
        de la date : EITI sans part modulée, milieu pénitentiaire) : ce qu'il refusera est
        signalé ici, avec la source de la valeur."""
        table = self.p.table()
        brute = TableBrute(table, Path(NOM_DONNEES), None, list(range(2, len(table) + 2)))
        lues = valider(brute, self.p.annee)
        self.p.controle = lues.rapport
        regles = ReglesDatees(self.p.annee, parametres.en_vigueur)
        self.p.controle.ajouter(*regles.refus(lues, lues.table.astype(object)))
        for anomalie in self.p.controle.anomalies:
            if anomalie.ligne is None:
                continue
            ligne = self.p.lignes[anomalie.ligne - 2]
            source = ligne.get(anomalie.colonne or "") or Valeur(anomalie.valeur, "", None, "")
            message = anomalie.message
            if anomalie.colonne == "nb_beneficiaires_minima":
                message += (
                    f" Le bilan en donne la somme ({source.remarque}) : une personne peut "
                    "relever de deux minima ; vérifiez et corrigez la valeur avant le calcul."
                )
            self.p.signalements.append(
                Signalement(
                    ligne["identifiant"].texte,
                    anomalie.colonne or "",
                    anomalie.valeur,
                    ("contrôle du calcul : " if anomalie.bloquante else "") + message,
                    source.fichier,
                    source.ligne,
                    source.colonne,
                    anomalie.bloquante,
                )
            )


def _texte_fr(nombre: Decimal) -> str:
    """Un Decimal tel que lu (« 8.15 » -> « 8,15 »), sans arrondi ni notation scientifique."""
    return format(nombre, "f").replace(".", ",")
