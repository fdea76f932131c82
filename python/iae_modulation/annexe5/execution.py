"""`annexe5` : lecture de l'export et du grand livre, tableaux, décisions, synthèse et
manifeste écrits ensemble ou pas du tout ; la démonstration des cinq mesures."""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation import parametres
from iae_modulation.annexe5.decisions import decision_asp
from iae_modulation.annexe5.montants import Forfait, Livre, cle_annexe, taux_forfaitaire
from iae_modulation.annexe5.tableaux import (
    MESURES,
    ecrire_tableau,
    nom_fichier_tableau,
    reference_decision,
)
from iae_modulation.annexe5.transformation import Transformation, transformer
from iae_modulation.documents.decision_asp import DecisionASP, rendre_decisions_asp
from iae_modulation.documents.mots_dates import MotsDates, mots_de_la_campagne
from iae_modulation.documents.pdf import (
    REMARQUE_SANS_LIBREOFFICE,
    ErreurPDF,
    convertir_en_pdf,
    pdf_a_produire,
)
from iae_modulation.documents.signature import Signature, probleme_date, signature_demo
from iae_modulation.donnees import lire_donnees
from iae_modulation.erreurs import traduire
from iae_modulation.exports.classeurs_asp import (
    TITRE_SYNTHESE,
    LigneSynthese,
    ecrire_synthese,
)
from iae_modulation.exports.exemples import ANNEE_DEMO, FICHIERS_DEMO
from iae_modulation.exports.extranet import lire_export_extranet
from iae_modulation.exports.fluxiae import est_fluxiae, lire_fluxiae
from iae_modulation.formats import montant_fr
from iae_modulation.identites import verifier_donnees
from iae_modulation.mise_en_page import mention_sur_chaque_page
from iae_modulation.referentiel import (
    ANNEE_FORFAIT,
    departements,
    normaliser_departement,
    normaliser_mesure,
    probleme_annee_campagne,
)
from iae_modulation.registre import (
    ActeEnregistre,
    RefusRegistre,
    Registre,
    chemin_relatif,
    cle_du_numero,
    en_vigueur,
    lire_registre,
    nouvel_acte,
)
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.sorties import (
    NOM_REGISTRE,
    ErreurEntree,
    ErreurSortie,
    classeur_remplacable,
    dossier_atomique,
    ecrire_manifeste,
    sha256,
    verifier_fichier_entree,
)

# ---------------------------------------------------------------------------------------------
# Exécution : lecture, transformation, tableaux, décisions, synthèse, manifeste


@dataclass
class RapportAnnexe5:
    """Ce qu'a fait `executer_annexe5` ; `code_sortie` 0 si tout est écrit, 2 si refus."""

    mesure: str
    annee: int
    export: Path
    sortie: Path
    code_sortie: int = 0
    erreur: str = ""
    source: str = ""
    fichiers: list[Path] = field(default_factory=list)
    totaux: dict[str, LigneSynthese] = field(default_factory=dict)
    exclues: dict[str, int] = field(default_factory=dict)  # autres départements
    ecartees: dict[str, int] = field(default_factory=dict)  # FluxIAE : motif -> lignes
    anomalies: list[str] = field(default_factory=list)
    numeros: dict[str, str] = field(default_factory=dict)  # département -> n° du registre
    registre: Path | None = None  # le registre où les décisions signées sont inscrites
    refus_du_registre: bool = False  # refus d'une seconde décision payable, ou --remplace faux

    @property
    def montant_total(self) -> Decimal:
        """Ce que l'ASP verse, toutes décisions de la mesure."""
        return sum((t.montant_net for t in self.totaux.values()), Decimal(0))

    def resume(self) -> str:
        """Résumé en français pour le terminal et le journal du classeur."""
        if self.erreur:
            return f"Annexe 5 ({self.mesure}, {self.annee}) : rien n'a été écrit.\n{self.erreur}"
        source = "FluxIAE de l'ASP" if self.source == "fluxiae" else "export de l'extranet IAE"
        nb = sum(t.nb_structures for t in self.totaux.values())
        lignes = [
            f"Annexe 5 – {self.mesure} – campagne {self.annee} ({source} {self.export.name}) : "
            f"{len(self.totaux)} décision(s) de paiement, {nb} structure(s), "
            f"{montant_fr(self.montant_total)} à verser au total.",
        ]
        for code, total in self.totaux.items():
            numero = f"décision n° {self.numeros[code]}, " if code in self.numeros else ""
            ligne = (
                f"  {code} {departements()[code].nom} : {numero}{total.nb_structures} "
                "structure(s), "
                f"base {montant_fr(total.base)}, montant modulé {montant_fr(total.montant_module)}"
            )
            if total.montant_net != total.montant_module or total.reste_a_deduire:
                ligne += (
                    f", régularisation 2014 {montant_fr(total.regularisation)}, net à verser "
                    f"{montant_fr(total.montant_net)}"
                )
                if total.reste_a_deduire:
                    ligne += (
                        f", reste à déduire de l'aide au poste {montant_fr(total.reste_a_deduire)}"
                    )
            lignes.append(ligne)
        if self.exclues:
            lignes.append(
                "Lignes d'autres départements écartées par le filtre : "
                f"{sum(self.exclues.values())} ("
                + ", ".join(f"{d} : {n}" for d, n in self.exclues.items())
                + ")."
            )
        if self.ecartees:
            lignes.append("Lignes du FluxIAE écartées :")
            lignes += [f"  - {motif} : {n}" for motif, n in self.ecartees.items()]
        lignes += [f"Remarque : {a}" for a in self.anomalies]
        if self.registre is not None:
            lignes.append(f"Décisions inscrites au registre des actes {self.registre}.")
        lignes.append(f"Fichiers écrits dans {self.sortie} : {len(self.fichiers)}.")
        return "\n".join(lignes)


def executer_annexe5(
    export: Path,
    mesure: str,
    annee: int,
    sortie: Path,
    *,
    departements: list[str] | None = None,
    resultats: Path | None = None,
    resultats_modifies: bool = False,
    taux_forfaitaire: Decimal | None = None,
    signature: Signature,
    pdf: bool | None = None,
    ecraser: bool = False,
    source: str | None = None,
    entetes: Path | None = None,
    donnees: Path | None = None,
    dossier_parametres: Path | None = None,
    remplace: list[str] | None = None,
    registre: Path | None = None,
    colonnes_de_la_note: bool = False,
) -> RapportAnnexe5:
    """Tableaux `annexe5_<ANNÉE>_<DEP>_<MESURE>.xlsx`, décisions
    `decision_asp_<ANNÉE>_<DEP>_<MESURE>.docx` (et .pdf), `synthese.xlsx` et `manifeste.json`
    dans `sortie` ; rien n'est écrit si refus.

    Une décision signée reçoit son numéro du registre des actes (`registre.py`) du dossier
    `registre` (défaut : celui du grand livre ; au taux forfaitaire, le dossier qui contient
    `sortie`) ; une seconde décision payable pour la même année, le même département et la même
    mesure est refusée, sauf si `remplace` donne le numéro de celle qu'elle annule et remplace.

    `resultats_modifies` : accepte un grand livre modifié après le calcul (chaque document et le
    manifeste le disent). `donnees` : la table des structures, qui nomme celles d'un FluxIAE.
    `pdf` : True exige les PDF, False s'en passe, None (défaut) les
    produit si LibreOffice est installé (`documents.pdf.pdf_a_produire`).
    `dossier_parametres` : le même dossier de paramètres que le calcul.
    `colonnes_de_la_note` : le tableau des ETTI et EITI garde toutes les colonnes de l'export,
    comme la note l'écrit (par défaut, il est coupé comme celui des EI)."""
    rapport = RapportAnnexe5(
        mesure=normaliser_mesure(mesure), annee=annee, export=Path(export), sortie=Path(sortie)
    )
    try:
        with parametres.surcharge(dossier_parametres):
            _executer(
                rapport,
                departements,
                resultats,
                resultats_modifies,
                taux_forfaitaire,
                signature,
                pdf,
                ecraser,
                source,
                entetes,
                donnees,
                Emission(remplace or [], registre),
                colonnes_de_la_note,
            )
    except (ErreurEntree, ErreurSortie, ErreurPDF) as erreur:
        rapport.code_sortie, rapport.erreur = traduire(erreur)
        rapport.refus_du_registre = isinstance(erreur, RefusRegistre)
        rapport.fichiers = []
    return rapport


def _executer(
    rapport: RapportAnnexe5,
    codes: list[str] | None,
    resultats: Path | None,
    resultats_modifies: bool,
    forfaitaire: Decimal | None,
    signature: Signature,
    pdf: bool | None,
    ecraser: bool,
    source: str | None,
    entetes: Path | None,
    donnees: Path | None,
    emission: Emission,
    colonnes_de_la_note: bool = False,
) -> None:
    mesure, annee, export = rapport.mesure, rapport.annee, rapport.export
    produire_pdf = pdf_a_produire(pdf)
    if signature.projet:
        rapport.anomalies.append(signature.avertissement())
    if pdf is None and not produire_pdf:
        rapport.anomalies.append(REMARQUE_SANS_LIBREOFFICE)
    if mesure not in MESURES:
        raise ErreurEntree(f"Mesure « {mesure} » inconnue (attendu : {', '.join(MESURES)}).")
    probleme = probleme_annee_campagne(annee) or probleme_date(signature, annee)
    if probleme:
        raise ErreurEntree(probleme)
    if signature.projet and emission.remplace:
        raise ErreurEntree(
            f"--remplace {' '.join(emission.remplace)} refusé : un projet (sans --signataire ou "
            "sans --lieu) n'a pas de numéro et ne remplace aucune décision."
        )
    retenus = _departements_demandes(codes)
    verifier_fichier_entree(export)
    rapport.source = source or ("fluxiae" if est_fluxiae(export) else "extranet")
    if rapport.source not in ("fluxiae", "extranet"):
        raise ErreurEntree(f"Source « {rapport.source} » inconnue (extranet ou fluxiae).")
    montants = source_des_montants(resultats, forfaitaire, annee, mesure, resultats_modifies)
    if rapport.source == "fluxiae":
        table = lire_fluxiae(export, mesure, annee, annuaire(montants, donnees, annee))
    else:
        table = lire_export_extranet(export, mesure, entetes_yaml=entetes)
    transformation = transformer(table, montants, annee, retenus, colonnes_de_la_note)
    if not transformation.tableaux:
        raise ErreurEntree(
            f"{table.lieu} : aucune structure {mesure} à retenir"
            + (f" pour les départements {', '.join(retenus)}" if retenus else "")
            + " ; aucune décision à établir."
        )
    rapport.exclues, rapport.ecartees = transformation.exclues, dict(table.ecartees)
    if not resultats and annee != ANNEE_FORFAIT:
        transformation.remarques.append(
            f"taux forfaitaire appliqué à la campagne {annee} : la note DGEFP 2014-04 ne le "
            f"prévoit que pour {ANNEE_FORFAIT} ; à partir de 2015, utilisez --resultats."
        )
    if montants.modifie:
        transformation.remarques.append(montants.modifie)
    rapport.anomalies += transformation.remarques
    entrees = {"export": export, "resultats": resultats, "entetes": entetes, "donnees": donnees}
    mots = mots_de_la_campagne(annee, signature.date)
    modifie = montants.grand_livre.mention_courte if isinstance(montants, Livre) else ""
    mention = " – ".join(m for m in (signature.mention_projet(), modifie) if m)
    dossier_registre = emission.dossier(resultats, rapport.sortie)
    if resultats and dossier_registre != Path(resultats).parent.resolve():
        rapport.anomalies.append(
            "registre des actes d'un autre calcul de la campagne "
            f"({dossier_registre / NOM_REGISTRE}) : c'est lui qui tient la décision remplacée "
            f"({', '.join(emission.remplace)})."
        )
    for code in transformation.tableaux:
        signature.autorite(code)  # --ddets-pp refusé là où il n'a pas de sens, avant tout
    emission.verifier_codes(annee, mesure, transformation.tableaux)
    if not signature.projet:
        emission.verifier_voisins(dossier_registre, resultats, annee, mesure, transformation)
    with contextlib.ExitStack() as pile:
        actes = None if signature.projet else pile.enter_context(Registre(dossier_registre))
        if actes is None:
            rapport.anomalies += _deja_en_vigueur(dossier_registre, annee, mesure, transformation)
        with (
            dossier_atomique(rapport.sortie, ecraser, entrees.values()) as dossier,
            mention_sur_chaque_page(mention),
        ):
            noms, enregistres = _ecrire_sorties(
                dossier,
                transformation,
                montants,
                annee,
                signature,
                produire_pdf,
                rapport,
                pdf is True,
                mots,
                Numerotation(actes, emission, dossier_registre, rapport.sortie),
            )
            rapport.anomalies += mots.signalements()
            _ecrire_manifeste(
                dossier, rapport, entrees, retenus, forfaitaire, produire_pdf, signature,
                montants, mots, enregistres, dossier_registre, colonnes_de_la_note,
            )  # fmt: skip
            if actes is not None:
                actes.preparer(enregistres)
        if actes is not None:
            actes.valider()
            rapport.numeros = {a.departement: a.numero for a in enregistres}
            rapport.registre = dossier_registre / NOM_REGISTRE
    rapport.fichiers = [rapport.sortie / nom for nom in [*noms, "manifeste.json"]]


def _ecrire_manifeste(
    dossier: Path,
    rapport: RapportAnnexe5,
    entrees: dict,
    retenus: list[str] | None,
    forfaitaire: Decimal | None,
    produire_pdf: bool,
    signature: Signature,
    montants: Forfait | Livre,
    mots: MotsDates,
    enregistres: list[ActeEnregistre],
    dossier_registre: Path,
    colonnes_de_la_note: bool,
) -> None:
    """Le manifeste de l'exécution : entrées, sorties, options, numéros attribués."""
    ecrire_manifeste(
        dossier,
        commande="annexe5",
        entrees=entrees,
        options={
            "mesure": rapport.mesure,
            "annee": rapport.annee,
            "source": rapport.source,
            "departements": retenus or "tous",
            "taux_forfaitaire": forfaitaire,
            "colonnes_de_la_note": colonnes_de_la_note,
            "pdf": produire_pdf,
            "signataire": signature.signataire,
            "projet": signature.projet,
            "resultats_modifies": montants.modifie or False,
            "autorite": signature.niveau,
            "prefete": signature.prefete,
            "ddets_pp": signature.ddets_pp,
            "registre": str(dossier_registre / NOM_REGISTRE),
            "numeros": {a.departement: a.numero for a in enregistres},
            "remplace": {a.departement: a.remplace for a in enregistres if a.remplace},
        },
        parametres=mots.pour_le_manifeste(),
        alertes=mots.signalements(),
    )


def source_des_montants(
    resultats: Path | None,
    forfaitaire: Decimal | None,
    annee: int,
    mesure: str,
    accepter_modifie: bool,
) -> Forfait | Livre:
    """D'où vient le montant payé : le grand livre (`--resultats`), celui des lettres ; en 2014,
    toujours lui (`--taux-forfaitaire 5` n'y est que le taux de la note 2014-04, que le contrôle
    du grand livre vérifie sur chaque ligne) ; un taux forfaitaire seul, hors 2014, appliqué à
    la base de l'export."""
    forfait = None if forfaitaire is None else taux_forfaitaire(forfaitaire, annee)
    if resultats is None:
        if forfait is None:
            raise ErreurEntree(
                "Indiquez le grand livre du calcul (--resultats resultats.csv) : le montant que "
                "la décision paie est celui que la lettre notifie."
            )
        if annee == ANNEE_FORFAIT:
            raise ErreurEntree(
                f"Campagne {ANNEE_FORFAIT} : le montant payé par la décision est lu dans le "
                "grand livre, celui que les lettres notifient (un montant calculé sur la base de "
                "l'export pourrait en différer). Donnez le grand livre du calcul (--resultats "
                f"resultats.csv, de « iae-modulation calculer --annee {ANNEE_FORFAIT} »), dont "
                "chaque structure est au taux forfaitaire."
            )
        return forfait
    if forfait is not None and annee != ANNEE_FORFAIT:
        raise ErreurEntree(
            "Indiquez soit le grand livre (--resultats resultats.csv), soit un taux forfaitaire "
            "(--taux-forfaitaire), et pas les deux : le grand livre a ses propres taux."
        )
    return Livre(lire_grand_livre(resultats, annee, accepter_modifie=accepter_modifie), mesure)


def annuaire(montants: Forfait | Livre, donnees: Path | None, annee: int) -> dict | None:
    """SIRET, raison sociale et commune par n° d'annexe (sans avenant), pour nommer les
    structures d'un FluxIAE : celles du grand livre du calcul (une table des structures donnée
    en plus doit dire la même chose, `identites.verifier_donnees`), sinon, au taux forfaitaire,
    la table des structures (`--donnees`) ; None sans l'un ni l'autre."""
    if isinstance(montants, Livre):
        if donnees is not None:
            verifier_donnees(montants.grand_livre, Path(donnees), annee)
        lignes = montants.grand_livre.lignes
    elif donnees is not None:
        lignes = lire_donnees(Path(donnees), annee).table.to_dict("records")
    else:
        return None
    return {cle_annexe(ligne["identifiant"]): ligne for ligne in lignes}


def _departements_demandes(codes: list[str] | None) -> list[str] | None:
    if not codes:
        return None
    retenus: list[str] = []
    inconnus: list[str] = []
    for code in codes:
        normalise = normaliser_departement(code)
        (retenus if normalise else inconnus).append(normalise or code)
    if inconnus:
        raise ErreurEntree(f"Département(s) inconnu(s) : {', '.join(inconnus)}.")
    return list(dict.fromkeys(retenus))


@dataclass(frozen=True)
class Emission:
    """Ce que l'agent demande au registre : les décisions remplacées (`--remplace`) et le
    dossier du registre (`--registre`)."""

    remplace: list[str]
    registre: Path | None = None

    def dossier(self, resultats: Path | None, sortie: Path) -> Path:
        """Le dossier du registre : donné, sinon celui du grand livre, sinon (taux forfaitaire,
        sans grand livre) celui qui contient le dossier de sortie. Avec `--remplace`, quand le
        registre du grand livre ne connaît pas les décisions remplacées et qu'un seul registre
        voisin (celui d'un calcul précédent de la campagne) les tient toutes, c'est lui : un
        calcul refait remplace ainsi la décision signée sans `--registre` (le bouton du
        classeur n'a que la cellule des numéros)."""
        if self.registre is not None:
            dossier = Path(self.registre)
            if not dossier.is_dir():
                raise ErreurEntree(f"--registre {dossier} : ce n'est pas un dossier existant.")
            return dossier.resolve()
        propre = (Path(resultats).parent if resultats else Path(sortie).resolve().parent).resolve()
        if not self.remplace or resultats is None or _tient(propre, self.remplace):
            return propre
        tenants = [
            voisin.parent.resolve()
            for voisin in sorted(propre.parent.glob(f"*/{NOM_REGISTRE}"))
            if voisin.parent.resolve() != propre and _tient(voisin.parent, self.remplace)
        ]
        return tenants[0] if len(tenants) == 1 else propre

    def verifier_codes(self, annee: int, mesure: str, tableaux) -> None:
        """Chaque numéro de `--remplace` est bien formé et désigne une décision de cette
        exécution (même année, même mesure, un département traité), une seule par
        département."""
        vus: dict[str, str] = {}
        for numero in self.remplace:
            cle = cle_du_numero(numero)
            if cle is None or cle[0] != annee or cle[2] != mesure or cle[1] not in tableaux:
                raise ErreurEntree(
                    f"--remplace {numero} refusé : "
                    + (
                        "numéro mal formé (attendu AAAA-DD-MESURE-NNN, p. ex. 2026-57-ACI-001)."
                        if cle is None
                        else f"cette exécution établit les décisions {mesure} {annee} des "
                        f"départements {', '.join(tableaux)} ; le numéro n'en désigne aucune."
                    )
                )
            if cle[1] in vus:
                raise ErreurEntree(
                    f"--remplace {vus[cle[1]]} et {numero} : une seule décision en vigueur est "
                    f"remplacée par département ({cle[1]})."
                )
            vus[cle[1]] = numero

    def verifier_voisins(
        self,
        dossier_registre: Path,
        resultats: Path | None,
        annee: int,
        mesure: str,
        transformation: Transformation,
    ) -> None:
        """Refuse une décision signée quand le registre d'un autre grand livre de la campagne (un
        calcul refait ou une autre méthode, dans un dossier voisin de celui du grand livre) a
        déjà une décision en vigueur pour l'année, le département et la mesure : deux registres,
        deux décisions payables du même numéro. Sans objet avec `--registre`, qui désigne le
        registre où remplacer."""
        if self.registre is not None or resultats is None:
            return
        conflits: dict[Path, list[ActeEnregistre]] = {}
        for voisin in sorted(dossier_registre.parent.glob(f"*/{NOM_REGISTRE}")):
            dossier = voisin.parent.resolve()
            if dossier == dossier_registre:
                continue
            try:
                actes = lire_registre(dossier)
            except RefusRegistre:
                continue  # un registre abîmé est signalé par `rapprocher`, pas ici
            for code in transformation.tableaux:
                actuelle = en_vigueur(actes, annee, code, mesure)
                if actuelle is not None:
                    conflits.setdefault(dossier, []).append(actuelle)
        if not conflits:
            return
        dossier, actes = next(iter(conflits.items()))
        raise RefusRegistre(
            f"Décision(s) {mesure} {annee} déjà en vigueur dans un autre registre des actes de "
            "la campagne (celui d'un autre calcul) : "
            + " ; ".join(
                f"{a.designation()}, département {a.departement}, registre {d / NOM_REGISTRE}"
                for d, liste in conflits.items()
                for a in liste
            )
            + ". Une seconde décision payable est refusée. Pour les remplacer par des "
            f"décisions tirées de ce grand livre-ci, relancez avec --registre {dossier} "
            f"--remplace {' '.join(a.numero for a in actes)} : chaque nouvelle décision dira "
            "qu'elle annule et remplace la précédente."
            + (" (Un registre à la fois.)" if len(conflits) > 1 else "")
        )

    def pour(self, departement: str) -> str | None:
        """Le numéro que la décision du département remplace, ou None."""
        for numero in self.remplace:
            cle = cle_du_numero(numero)  # bien formé : `verifier_codes`
            if cle is not None and cle[1] == departement:
                return numero
        return None


@dataclass
class Numerotation:
    """Les numéros des décisions signées d'une exécution (registre ouvert sous verrou), et les
    actes à inscrire une fois leurs documents écrits ; sans registre (projets), aucun numéro."""

    registre: Registre | None
    emission: Emission
    dossier_registre: Path
    sortie: Path

    def numeroter(
        self, annee: int, departement: str, mesure: str
    ) -> tuple[str | None, ActeEnregistre | None]:
        if self.registre is None:
            return None, None
        return self.registre.reserver(annee, departement, mesure, self.emission.pour(departement))

    def acte(self, decision: DecisionASP, docx: Path, pdf: Path | None) -> ActeEnregistre:
        """La ligne du registre d'une décision écrite dans le dossier temporaire `docx.parent`
        (ses empreintes sont celles des fichiers qui seront publiés dans `sortie`)."""

        def publie(chemin: Path) -> str:
            return chemin_relatif(self.sortie / chemin.name, self.dossier_registre)

        return nouvel_acte(
            numero=decision.numero,
            annee=decision.annee,
            departement=decision.departement,
            mesure=decision.mesure,
            remplace=decision.remplace.numero if decision.remplace else "",
            date_signature=decision.signature.date,
            signataire=decision.signature.signataire,
            autorite=decision.autorite.ouverture,
            total=decision.montant_total,
            nombre_structures=decision.nb_structures,
            grand_livre_sha256=decision.grand_livre_sha256,
            fichier_docx=publie(docx),
            sha256_docx=sha256(docx),
            fichier_pdf=publie(pdf) if pdf else "",
            sha256_pdf=sha256(pdf) if pdf else "",
            dossier_sortie=chemin_relatif(self.sortie, self.dossier_registre),
        )


def _deja_en_vigueur(
    dossier_registre: Path, annee: int, mesure: str, transformation: Transformation
) -> list[str]:
    """Pour un projet : les décisions déjà en vigueur des mêmes départements (le projet, une
    fois signé, devra les remplacer)."""
    actes = lire_registre(dossier_registre)
    remarques = []
    for code in transformation.tableaux:
        actuelle = en_vigueur(actes, annee, code, mesure)
        if actuelle is not None:
            remarques.append(
                f"une décision {mesure} {annee} du département {code} est déjà en vigueur "
                f"({actuelle.designation()}) : signée, ce projet devra être émis avec "
                f"--remplace {actuelle.numero}."
            )
    return remarques


def _ecrire_sorties(
    dossier: Path,
    transformation: Transformation,
    montants: Forfait | Livre,
    annee: int,
    signature: Signature,
    pdf: bool,
    rapport: RapportAnnexe5,
    pdf_exige: bool,
    mots: MotsDates,
    numerotation: Numerotation,
) -> tuple[list[str], list[ActeEnregistre]]:
    """Écrit tableaux, décisions (et PDF), synthèse ; renvoie les noms des fichiers écrits et
    les actes à inscrire au registre (décisions signées). Avec `pdf_exige` (option --pdf), une
    conversion qui échoue fait tout échouer (code 1, rien d'écrit), comme pour les
    notifications."""
    noms: list[str] = []
    decisions = []
    for code, tableau in transformation.tableaux.items():
        numero, remplacee = numerotation.numeroter(annee, code, tableau.mesure)
        nom = nom_fichier_tableau(annee, tableau.mesure, code, signature.projet)
        mention = " ".join(m for m in (signature.mention_projet(), montants.modifie) if m)
        phrases = (montants.phrase(code, mots), montants.phrase_methode(code))
        ecrire_tableau(
            tableau,
            dossier / nom,
            annee,
            " ".join(p for p in phrases if p),
            mention,
            reference_decision(numero),
        )
        noms.append(nom)
        rapport.totaux[code] = LigneSynthese(
            code,
            tableau.mesure,
            tableau.nb_structures,
            tableau.base_totale,
            tableau.total("montant_module"),
            tableau.total("regularisation"),
            tableau.montant_total,
            tableau.total("reste_a_deduire"),
        )
        decisions.append(decision_asp(tableau, montants, annee, signature, mots, numero, remplacee))
    docx = rendre_decisions_asp(decisions, dossier)
    noms += [p.name for p in docx]
    pdfs = _pdf(docx, dossier, rapport, pdf_exige) if pdf else []
    noms += pdfs
    ecarts = {f"autre département ({d})": n for d, n in transformation.exclues.items()}
    ecrire_synthese(
        list(rapport.totaux.values()),
        dossier / "synthese.xlsx",
        annee,
        {**ecarts, **rapport.ecartees},
    )
    noms.append("synthese.xlsx")
    actes = [
        numerotation.acte(
            decision,
            chemin,
            dossier / f"{chemin.stem}.pdf" if f"{chemin.stem}.pdf" in pdfs else None,
        )
        for decision, chemin in zip(decisions, docx, strict=True)
        if decision.numero is not None
    ]
    return noms, actes


def _pdf(docx: list[Path], dossier: Path, rapport: RapportAnnexe5, exige: bool) -> list[str]:
    """Les PDF (LibreOffice, un processus par cœur) ; en cas d'échec, les .docx restent et
    c'est signalé."""
    lot = dossier / ".pdf"
    try:
        produits = convertir_en_pdf(docx, lot)
    except ErreurPDF as erreur:
        shutil.rmtree(lot, ignore_errors=True)
        if exige:
            raise ErreurPDF(
                f"Aucun document écrit, la conversion en PDF a échoué : {erreur}"
            ) from None
        rapport.anomalies.append(f"PDF non produits : {erreur}")
        return []
    noms = []
    for chemin in produits:
        chemin.replace(dossier / chemin.name)
        noms.append(chemin.name)
    lot.rmdir()
    return noms


# ---------------------------------------------------------------------------------------------
# Démonstration

DOSSIER_EXEMPLES = Path(__file__).resolve().parent.parent / "demo" / "exports"


def demo_annexe5(dossier: Path, resultats_csv: Path, *, pdf: bool | None = None) -> str:
    """Les exports d'exemple des cinq mesures traités avec le grand livre de la démo : un
    sous-dossier par mesure et une `synthese.xlsx` commune ; renvoie le résumé en français."""
    dossier = Path(dossier)
    signature = signature_demo()
    resumes: list[str] = []
    lignes: list[LigneSynthese] = []
    ecartees: dict[str, int] = {}
    for mesure, nom in FICHIERS_DEMO.items():
        rapport = executer_annexe5(
            DOSSIER_EXEMPLES / nom,
            mesure,
            ANNEE_DEMO,
            dossier / mesure,
            resultats=resultats_csv,
            signature=signature,
            pdf=pdf,
            ecraser=True,
        )
        resumes.append(rapport.resume())
        lignes += list(rapport.totaux.values())
        ecartees |= {f"{mesure} : {motif}": n for motif, n in rapport.ecartees.items()}
    if lignes:
        commune = dossier / "synthese.xlsx"
        if not classeur_remplacable(commune, TITRE_SYNTHESE):
            resumes.append(f"{commune} n'est pas une synthèse de l'outil : il n'est pas remplacé.")
            return "\n\n".join(resumes)
        temporaire = dossier / ".synthese.xlsx"
        ecrire_synthese(lignes, temporaire, ANNEE_DEMO, ecartees)
        temporaire.replace(commune)
        total = sum((ligne.montant_net for ligne in lignes), Decimal(0))
        resumes.append(
            f"Synthèse des {len(FICHIERS_DEMO)} mesures : {len(lignes)} décision(s), "
            f"{montant_fr(total)} à verser ({dossier / 'synthese.xlsx'})."
        )
    return "\n\n".join(resumes)


def _tient(dossier: Path, numeros: list[str]) -> bool:
    """Le registre du dossier inscrit toutes ces décisions (un registre absent ou illisible :
    non ; `rapprocher` signale un registre abîmé)."""
    if not (dossier / NOM_REGISTRE).is_file():
        return False
    try:
        inscrits = {a.numero for a in lire_registre(dossier)}
    except RefusRegistre:
        return False
    return set(numeros) <= inscrits
