"""Notification du montant modulé à chaque SIAE (note DGEFP 2014-04, annexe 4 : « Exemple de
courrier de notification du versement du montant modulé à une SIAE »).

Une lettre Word par structure de `resultats.csv`, avec le montant, le SIRET, le nom et l'adresse
de sa ligne du grand livre (`identites`), puis, sur demande, les PDF (un seul lot LibreOffice) et
un PDF fusionné pour l'impression ; un index `notifications.xlsx` et `manifeste.json`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from iae_modulation import parametres
from iae_modulation.colonnes import (
    COLONNES_IDENTITE,
    MOTIF_FORFAIT_2014,
    MOTIF_NON_CALCULABLE,
    MOTIF_PENITENTIAIRE,
    MOTIF_PENITENTIAIRE_PLAFOND,
    MOTIF_SEULE,
)
from iae_modulation.documents import pdf as conversion
from iae_modulation.documents.calcul_lettre import (
    Campagne,
    calcul_montant,
    calcul_taux,
    etape_enveloppe,
    tableau_criteres,
)
from iae_modulation.documents.decision_asp import lieu_et_date
from iae_modulation.documents.methode import groupe_decrit, phrase_methode, phrase_precedent
from iae_modulation.documents.modeles_source import DOSSIER_MODELES, NOM_NOTIFICATION
from iae_modulation.documents.mots_dates import CHAMPS_DATES, MotsDates, mots_de_la_campagne
from iae_modulation.documents.publipostage import CHAMP_MENTION_MODIFIE, Bloc, ModeleCompile
from iae_modulation.documents.signature import Signature, probleme_date, signature_demo
from iae_modulation.documents.tableau_word import tableau_xml
from iae_modulation.formats import CENTIME, insecables, montant_fr, nombre_fr, taux_fr
from iae_modulation.identites import verifier_donnees
from iae_modulation.mise_en_page import (
    HAUTEUR_LIGNE,
    Colonne,
    imprimer,
    imprimer_par_zones,
    lignes_de_texte,
    mention_sur_chaque_page,
    poser_colonnes,
    texte_affiche,
)
from iae_modulation.progression import progression as barre_de_progression
from iae_modulation.referentiel import ANNEE_FORFAIT, TYPES_SIAE, probleme_annee_campagne
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.sorties import (
    ErreurEntree,
    dossier_atomique,
    ecrire_manifeste,
    nom_de_fichier_sur,
)
from iae_modulation.texte_xml import ClasseurXlsx

MODELE_NOTIFICATION = DOSSIER_MODELES / NOM_NOTIFICATION
# Ce qu'une lettre ne peut pas taire : sa référence, le montant modulé et comment il se
# calcule (critères, taux, montant, enveloppe), la régularisation et ce qui est versé (ou qu'il
# n'y a aucun versement).
CHAMPS_OBLIGATOIRES = frozenset(
    {
        "raison_sociale",
        "adresse",
        "code_postal",
        "commune",
        "siret",
        "identifiant",
        "annee",
        "reference",
        "montant_module",
        "tableau_criteres",
        "calcul_taux",
        "calcul_montant",
        "etape_enveloppe",
        "regularisation",
        "montant_net",
        "reste_a_deduire",
        "phrase_versement",
    }
)
CHAMPS_NOTIFICATION = CHAMPS_OBLIGATOIRES | {
    "bloc_marque",
    "service",
    "region",
    "lieu_date",
    "qualite",
    "signataire",
    "affaire_suivie_par",
    "destinataire",
    "appel",
    "mention_projet",
    "type_structure",
    "departement",
    "montant_socle",
    "motif_taux",
    "phrase_methode",
    "annonce_regularisation_2014",
    "montant_verse_2014",
    "etp_conventionnes_2014",
    "etp_realises_2014",
    "mention_modifie",
    "phrase_precedent",
    "minima_sociaux",
    *CHAMPS_DATES,
}
# La ligne du destinataire et l'appel de la lettre : elle est adressée au président ou à la
# présidente de la structure (représentant légal d'une association ou d'une entreprise).
# (espaces insécables : « Madame la Présidente » ne se coupe pas dans la colonne de l'adresse)
DESTINATAIRE = "À l'attention de Monsieur\u00a0le\u00a0Président ou Madame\u00a0la\u00a0Présidente"
APPEL = "Madame la Présidente, Monsieur le Président,"
# Largeur du texte de la lettre (21 cm − 2 × 1,8 cm de marges), en vingtièmes de point
LARGEUR_LETTRE = 9864
NOM_INDEX = "notifications.xlsx"
# Écrire des milliers de petits fichiers est limité par la latence du disque : quelques fils
# d'écriture en parallèle divisent ce temps par 3 (mesuré, benchmarks/bench_notifications.py).
FILS_D_ECRITURE = 4
NOM_PDF_FUSIONNE = "notifications_a_imprimer.pdf"
PRODUITE = "produite"
# L'index des lettres : (en-tête, largeur, colonne du grand livre ou attribut de LigneIndex).
ENTETES_INDEX = (
    ("Identifiant (annexe financière)", 22, "identifiant"),
    ("Structure", 40, "raison_sociale"),
    ("SIRET", 16, "siret"),
    ("Type", 7, "type"),
    ("Département", 12, "departement"),
    ("Motif du taux", 18, "motif_taux"),
    ("Montant socle", 15, "montant_socle"),
    ("Taux calculé", 10, "taux_calcule"),
    ("Montant avant enveloppe", 15, "montant_avant_enveloppe"),
    ("Montant modulé", 15, "montant_module"),
    ("Taux effectif après enveloppe (modulé ÷ socle)", 14, "taux_effectif"),
    ("Régularisation 2014", 15, "regularisation"),
    ("Reste à déduire de l'aide au poste", 15, "reste_a_deduire"),
    ("Montant net versé", 15, "montant_net"),
    ("Lettre Word", 52, "fichier"),
    ("Lettre PDF", 52, "pdf"),
    ("Statut", 60, "statut"),
)
FEUILLE_INDEX = "Notifications"
COLONNES_REPETEES_INDEX = 2  # identifiant et structure, à gauche de chaque page imprimée
RENVOYEES_INDEX = ("raison_sociale", "motif_taux", "statut")
COLONNES_REGULARISATION_INDEX = ("regularisation", "reste_a_deduire")


@dataclass
class LigneIndex:
    """Une structure du grand livre (identité et montants, tels quels) et ce qui a été produit
    pour elle."""

    livre: dict
    fichier: str = ""
    pdf: str = ""
    statut: str = PRODUITE

    @property
    def identifiant(self) -> str:
        return self.livre["identifiant"]

    @property
    def raison_sociale(self) -> str:
        return self.livre["raison_sociale"]

    def valeur(self, cle: str) -> object:
        if cle in ("fichier", "pdf", "statut"):
            return getattr(self, cle)
        return self.livre[cle]


@dataclass
class RapportNotifications:
    sortie: Path
    lignes: list[LigneIndex]
    pdf_fusionne: Path | None = None
    duree: float = 0.0
    alertes: list[str] = field(default_factory=list)  # structures à vérifier
    remarques: list[str] = field(default_factory=list)  # le lot entier (PDF, signature)

    @property
    def nb_lettres(self) -> int:
        return sum(1 for ligne in self.lignes if ligne.fichier)

    def resume(self) -> str:
        """Résumé en français pour le terminal et le journal du classeur."""
        texte = [
            f"{self.nb_lettres} lettre(s) de notification écrite(s) sur {len(self.lignes)} "
            f"structure(s), en {nombre_fr(Decimal(str(self.duree)), 1)} s, "
            f"dans {self.sortie}.",
            f"Index : {self.sortie / NOM_INDEX}",
        ]
        if self.pdf_fusionne is not None:
            texte.append(f"PDF à imprimer (toutes les lettres) : {self.pdf_fusionne}")
        texte += [f"Remarque : {remarque}" for remarque in self.remarques]
        if self.alertes:
            texte.append(f"{len(self.alertes)} structure(s) à vérifier :")
            texte += [f"  - {alerte}" for alerte in self.alertes]
        return "\n".join(texte)


def generer_notifications(
    resultats: Path,
    donnees: Path | None,
    annee: int,
    sortie: Path,
    *,
    modele: Path | None = None,
    pdf: bool | None = None,
    ecraser: bool = False,
    signature: Signature,
    progression: bool = True,
    resultats_modifies: bool = False,
    dossier_parametres: Path | None = None,
    rappel_precedent: bool = False,
) -> RapportNotifications:
    """Une lettre `notification_<identifiant>.docx` par structure du grand livre `resultats`,
    adressée à la structure que le grand livre nomme (SIRET, raison sociale, adresse).

    Le modèle et le grand livre sont vérifiés avant toute lettre ; `donnees` (facultatif) est
    refusé s'il ne dit pas la même identité que le grand livre pour chaque structure
    (`identites.verifier_donnees`) ; une structure sans adresse est signalée dans le rapport et
    dans l'index, jamais ignorée en silence. Lève
    `ErreurEntree` (modèle, fichiers), `ErreurSortie` (dossier existant) ou `pdf.ErreurPDF`.
    `pdf` : True exige les PDF, False s'en passe, None les produit si LibreOffice est installé.
    `resultats_modifies` accepte un grand livre modifié après le calcul : chaque lettre, l'index
    et le manifeste le disent. `dossier_parametres` : le même dossier de paramètres que le calcul
    (`parametres.surcharge`). `rappel_precedent` : chaque lettre rappelle le montant et le taux
    de la campagne précédente (calcul fait avec --precedent).
    """
    with parametres.surcharge(dossier_parametres):
        return _generer(
            resultats,
            donnees,
            annee,
            sortie,
            modele=modele,
            pdf=pdf,
            ecraser=ecraser,
            signature=signature,
            progression=progression,
            resultats_modifies=resultats_modifies,
            rappel_precedent=rappel_precedent,
        )


def _generer(
    resultats: Path,
    donnees: Path | None,
    annee: int,
    sortie: Path,
    *,
    modele: Path | None,
    pdf: bool | None,
    ecraser: bool,
    signature: Signature,
    progression: bool,
    resultats_modifies: bool,
    rappel_precedent: bool = False,
) -> RapportNotifications:
    debut = time.perf_counter()
    modele = Path(modele or MODELE_NOTIFICATION)
    compile_ = ModeleCompile(modele)
    compile_.verifier_champs(CHAMPS_NOTIFICATION, CHAMPS_OBLIGATOIRES)
    produire_pdf = conversion.pdf_a_produire(pdf)
    probleme = probleme_annee_campagne(annee) or probleme_date(signature, annee)
    if probleme:
        raise ErreurEntree(probleme)
    livre = lire_grand_livre(resultats, annee, accepter_modifie=resultats_modifies)
    structures = livre.lignes
    _verifier_identifiants(structures, Path(resultats).name)
    if donnees is not None:
        verifier_donnees(livre, donnees, annee)
    if livre.modifie:
        compile_.verifier_mention_sur_chaque_page(CHAMP_MENTION_MODIFIE)
    mots = mots_de_la_campagne(annee, signature.date)
    mots.noter_modele(set(compile_.champs))
    contexte = ContexteLettres(
        mots, Campagne.du_grand_livre(structures), rappel_precedent, livre.empreinte
    )
    rapport = RapportNotifications(Path(sortie).resolve(), [])
    with dossier_atomique(sortie, ecraser, (resultats, donnees, modele)) as dossier:
        with (
            barre_de_progression("Notifications", len(structures), progression) as avancer,
            ThreadPoolExecutor(FILS_D_ECRITURE) as fils,
        ):
            lettres = fils.map(
                lambda structure: _lettre(
                    compile_, structure, signature, dossier, livre.modifie, contexte
                ),
                structures,
            )
            for ligne in lettres:
                rapport.lignes.append(ligne)
                avancer(ligne.identifiant)
        if produire_pdf:
            _convertir(rapport, dossier, progression, signature)
        # « PROJET — non signé » et la mention d'un grand livre modifié, en tête de chaque page
        mentions = (signature.mention_projet(), livre.mention_courte)
        with mention_sur_chaque_page(" — ".join(m for m in mentions if m)):
            _ecrire_index(rapport.lignes, dossier / NOM_INDEX, annee, livre.modifie)
        ecrire_manifeste(
            dossier,
            "notifications",
            {"resultats": Path(resultats), "donnees": donnees, "modele": modele},
            {
                "annee": annee,
                "pdf": produire_pdf,
                "autorite": signature.niveau,
                "prefete": signature.prefete,
                "ddets_pp": signature.ddets_pp,
                "service": signature.service or None,
                "region": signature.region,
                "lieu": signature.lieu,
                "signataire": signature.signataire,
                "qualite": signature.qualite,
                "affaire_suivie_par": signature.affaire_suivie_par(),
                "projet": signature.projet,
                "date": signature.date.isoformat(),
                "resultats_modifies": livre.modifie or False,
                "rappel_precedent": rappel_precedent,
            },
            mots.pour_le_manifeste(),
            alertes=mots.signalements(),
        )
    rapport.remarques += mots.signalements()
    if signature.projet:
        rapport.remarques.append(signature.avertissement())
    if pdf is None and not produire_pdf:
        rapport.remarques.append(conversion.REMARQUE_SANS_LIBREOFFICE)
    if livre.modifie:
        rapport.alertes.append(livre.modifie)
    rapport.alertes += [
        f"{ligne.identifiant} ({ligne.raison_sociale}) : {ligne.statut}"
        for ligne in rapport.lignes
        if ligne.statut != PRODUITE
    ]
    if rapport.pdf_fusionne is not None:
        rapport.pdf_fusionne = rapport.sortie / rapport.pdf_fusionne.name
    rapport.duree = time.perf_counter() - debut
    return rapport


def reference_lettre(ligne: dict) -> str:
    """La référence d'une lettre : année, département, mesure et n° d'annexe financière
    (« 2026-57-ACI-ACI057000001 »)."""
    return f"{ligne['annee']}-{ligne['departement']}-{ligne['type']}-{ligne['identifiant']}"


def nom_fichier_notification(ligne: dict, signature: Signature | None = None) -> str:
    """`notification_<référence>.docx` (année, département, mesure, n° d'annexe), précédé de
    `PROJET_` pour une lettre non signée."""
    nom = f"notification_{nom_de_fichier_sur(reference_lettre(ligne))}.docx"
    return signature.nom_de_fichier(nom) if signature else nom


def _verifier_identifiants(structures: list[dict], fichier: str) -> None:
    noms = Counter(nom_fichier_notification(s) for s in structures)
    doublons = sorted(nom for nom, nombre in noms.items() if nombre > 1)
    if doublons:
        raise ErreurEntree(
            f"{fichier} : plusieurs structures donneraient la même lettre (identifiant en double "
            f"ou trop proche) : {', '.join(doublons)}."
        )


def _lettre(
    compile_: ModeleCompile,
    structure: dict,
    signature: Signature,
    dossier: Path,
    mention_modifie: str,
    contexte: ContexteLettres,
) -> LigneIndex:
    ligne = LigneIndex(livre=structure)
    manquantes = [
        libelle
        for colonne, libelle in (
            ("adresse", "adresse"),
            ("code_postal", "code postal"),
            ("commune", "commune"),
        )
        if not structure[colonne].strip()
    ]
    if manquantes:
        ligne.statut = f"adresse incomplète ({', '.join(manquantes)}) : à compléter avant envoi"
    ligne.fichier = nom_fichier_notification(structure, signature)
    valeurs = valeurs_notification(structure, signature, contexte)
    valeurs[CHAMP_MENTION_MODIFIE] = mention_modifie or None
    compile_.ecrire(
        valeurs,
        dossier / ligne.fichier,
        donnees=donnees_lettre(structure, signature, contexte.grand_livre_sha256),
    )
    return ligne


def donnees_lettre(structure: dict, signature: Signature, grand_livre_sha256: str) -> dict:
    """Les montants de la lettre, intégrés au .docx pour le rapprochement (format commun de
    l'issue 16 : `donnees_integrees`) ; montants en chaînes décimales, taux de modulation en
    pour cent."""
    regularisation = structure["regularisation"]
    return {
        "type": "lettre_notification",
        "version": 1,
        "reference": reference_lettre(structure),
        "annee": int(structure["annee"]),
        "departement": structure["departement"],
        "mesure": structure["type"],
        "identifiant": structure["identifiant"],
        "siret": structure["siret"],
        "projet": signature.projet,
        "montant_module": _decimal(structure["montant_module"]),
        "regularisation": None if regularisation is None else _decimal(regularisation),
        "net": _decimal(structure["montant_net"]),
        "taux": _decimal(structure["taux_calcule"] * 100),
        "grand_livre_sha256": grand_livre_sha256,
    }


def _decimal(valeur: Decimal) -> str:
    """« 1234.56 » : au centime, point décimal."""
    return str(valeur.quantize(CENTIME, rounding=ROUND_HALF_UP))


@dataclass
class ContexteLettres:
    """Ce que toutes les lettres d'une campagne partagent : les mots datés, ce que chaque lettre
    lit dans les autres lignes du grand livre (enveloppe de sa région, bornes de son groupe) et
    l'empreinte du grand livre."""

    mots: MotsDates
    campagne: Campagne
    avec_precedent: bool = False  # rappeler la campagne précédente (option --rappel-precedent)
    grand_livre_sha256: str = ""
    champs: dict[str, str] = field(init=False)
    _autorites: dict[str, dict[str, str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.champs = self.mots.champs()  # lus une fois pour toutes les lettres

    def autorite(self, signature: Signature, departement: str) -> dict[str, str]:
        """En-tête et signature au nom du préfet qui signe pour le département (`autorite`),
        nommés une fois par département : bloc-marque, service, ligne de délégation."""
        if departement not in self._autorites:
            autorite = signature.autorite(departement)
            self._autorites[departement] = {
                "bloc_marque": autorite.bloc_marque,
                "service": signature.en_tete_service(autorite, self.mots),
                "qualite": signature.bloc_signature(autorite, self.mots),
            }
        return self._autorites[departement]


def parts_a_taux_fixe(structures: list[dict]) -> dict[str, Decimal]:
    """Par région dont l'enveloppe a réduit des montants : la somme des montants à taux fixe,
    lus dans le grand livre, que l'enveloppe a financés avant de répartir le reste."""
    reduites = {s["region"] for s in structures if s["enveloppe_disponible"] is not None}
    parts: dict[str, Decimal] = {}
    for structure in structures:
        if structure["region"] in reduites and structure["motif_taux"] == MOTIF_PENITENTIAIRE:
            parts[structure["region"]] = (
                parts.get(structure["region"], Decimal(0)) + structure["montant_module"]
            )
    return parts


def phrase_taux_fixe(disponible: Decimal, part_fixe: Decimal | None) -> str | None:
    """Pourquoi l'enveloppe disponible n'est pas l'enveloppe régionale : une phrase, les deux
    montants (et ce qui en reste), ou None quand aucun montant à taux fixe n'a été imputé."""
    if not part_fixe:
        return None
    return (
        f"L'enveloppe régionale, {montant_fr(disponible + part_fixe)}, a d'abord financé les "
        "montants modulés à taux fixe des structures implantées en établissement pénitentiaire, "
        f"{montant_fr(part_fixe)}, qui ne sont pas réduits : l'enveloppe disponible pour les "
        f"autres structures est donc de {montant_fr(disponible)}."
    )


def phrase_penitentiaire(motifs: set[str], jour: dt.date) -> str:
    """La règle du milieu pénitentiaire appliquée à des structures d'une décision (« »
    si aucune n'y est implantée), avec le texte qui la fixe."""
    if not motifs & {MOTIF_PENITENTIAIRE, MOTIF_PENITENTIAIRE_PLAFOND}:
        return ""
    taux = taux_fr(parametres.valeur("taux_milieu_penitentiaire", jour).nombre)
    reference = _reference_penitentiaire(jour.year)
    if MOTIF_PENITENTIAIRE in motifs:
        return (
            " Pour les structures implantées en établissement pénitentiaire, le montant modulé "
            f"est fixé à {taux} de leur montant socle propre ({reference}), hors classement ; il "
            "est imputé en premier sur l'enveloppe régionale et n'est pas réduit."
        )
    return (
        " Pour les structures implantées en établissement pénitentiaire, le taux est plafonné à "
        f"{taux} du montant socle ({reference}) : {taux} multiplié par la moyenne pondérée des "
        "scores, dans le même classement que les autres structures de leur type et de leur "
        "région."
    )


def valeurs_notification(
    structure: dict, signature: Signature, contexte: ContexteLettres | None = None
) -> dict[str, object]:
    """Les champs de la lettre, tous en texte français (le tableau des critères en `Bloc`), lus
    dans la ligne du grand livre, la structure (SIRET, nom, adresse) comme ses montants ; None
    retire le paragraphe facultatif. Chaque montant écrit se refait depuis ce que la même lettre
    montre (`calcul_lettre`) : critères et poids, taux, socle × taux, étape de l'enveloppe,
    − régularisation. Les mots (service, minima sociaux, recours en ligne) sont ceux de la date
    de l'acte (`mots_dates`)."""
    annee = int(structure["annee"])
    contexte = contexte or ContexteLettres(
        mots_de_la_campagne(annee, signature.date), Campagne.du_grand_livre([structure])
    )
    mots = contexte.champs
    deduction = structure["regularisation"]
    avec_regularisation = deduction is not None and deduction > 0
    reste = structure["reste_a_deduire"]
    tableau = tableau_criteres(structure, contexte.campagne, mots["minima_sociaux"])
    valeurs = {
        "identifiant": structure["identifiant"],
        # traits d'union insécables (U+2011) : la référence ne se coupe jamais en fin de ligne
        "reference": reference_lettre(structure).replace("-", "\u2011"),
        **{colonne: structure[colonne] for colonne in COLONNES_IDENTITE},
        "destinataire": DESTINATAIRE,
        "appel": APPEL,
        "type_structure": TYPES_SIAE.get(structure["type"], structure["type"]).lower(),
        "departement": structure["departement"],
        "region": signature.region or structure["region"],
        "annee": str(annee),
        "montant_socle": montant_fr(structure["montant_socle"]),
        "montant_module": montant_fr(structure["montant_module"]),
        # « n° 2014-04 », « arrêté du … » : références insécables (formats.insecables)
        "motif_taux": insecables(
            _motif_taux(structure, annee) + texte_eiti_fourni(structure["type"], annee)
        ),
        # à la suite du motif, dans son paragraphe ; vide pour un taux fixé par les textes
        "phrase_methode": insecables(_a_la_suite(phrase_methode(structure))),
        "tableau_criteres": None
        if tableau is None
        else Bloc(tableau_xml(*tableau, LARGEUR_LETTRE)),
        "calcul_taux": calcul_taux(structure),
        "calcul_montant": calcul_montant(structure),
        "etape_enveloppe": etape_enveloppe(structure, contexte.campagne),
        "annonce_regularisation_2014": insecables(ANNONCE_2014) if annee == ANNEE_FORFAIT else None,
        **(_regularisation(structure) if avec_regularisation else dict.fromkeys(_CHAMPS_REGUL)),
        "reste_a_deduire": montant_fr(reste) if reste else None,
        "phrase_versement": _phrase_versement(structure["montant_net"], annee),
        **mots,
        **contexte.autorite(signature, structure["departement"]),
        "lieu_date": lieu_et_date(signature),
        "signataire": signature.signataire or None,
        "affaire_suivie_par": signature.affaire_suivie_par(),
        "mention_projet": signature.mention_projet(),
        CHAMP_MENTION_MODIFIE: None,
        "phrase_precedent": phrase_precedent(structure) if contexte.avec_precedent else None,
    }
    return valeurs


def _a_la_suite(phrase: str | None) -> str:
    """Une phrase écrite à la suite d'une autre dans le même paragraphe (« » si elle manque)."""
    return f" {phrase}" if phrase else ""


# Note DGEFP 2014-04, à dire dans la lettre de 2014.
ANNONCE_2014 = (
    "En cas de sous-réalisation des objectifs inscrits à la convention par la structure en "
    "2014, une régularisation sera effectuée en 2015 : le montant versé en 2014 au titre de la "
    "modulation pour des postes non réalisés en 2014 sera déduit du montant versé en 2015 "
    "(note DGEFP n° 2014-04)."
)
_CHAMPS_REGUL = (
    "montant_verse_2014",
    "etp_conventionnes_2014",
    "etp_realises_2014",
    "regularisation",
    "montant_net",
)


def _regularisation(structure: dict) -> dict[str, str]:
    """Le calcul de la déduction des versements 2014 et le montant net."""
    return {
        "montant_verse_2014": montant_fr(structure["montant_verse_2014"]),
        "etp_conventionnes_2014": nombre_fr(structure["etp_conventionnes_2014"]),
        "etp_realises_2014": nombre_fr(structure["etp_realises_2014"]),
        "regularisation": montant_fr(structure["regularisation"]),
        "montant_net": montant_fr(structure["montant_net"]),
    }


def _phrase_versement(net: Decimal, annee: int) -> str:
    if net > 0:
        return (
            f"Ce montant de {montant_fr(net)} vous sera versé par l'Agence de services et de "
            "paiement (ASP), à laquelle la décision de paiement correspondante est transmise."
        )
    return (
        f"Aucun versement ne sera donc effectué au titre du montant modulé de l'année {annee} ; "
        "la décision de paiement transmise à l'Agence de services et de paiement (ASP) le "
        "mentionne."
    )


def _motif_taux(structure: dict, annee: int) -> str:
    """Pourquoi ce taux : la vraie raison, dite à la structure (colonne `motif_taux`), avec son
    groupe de comparaison tel que la méthode l'a formé (type × région ou × département)."""
    motif = structure["motif_taux"]
    if motif == MOTIF_FORFAIT_2014:
        return (
            "Pour l'année 2014, année de transition de la mise en œuvre de la réforme, « la part "
            "modulée est fixée au taux de 5 % du montant socle de l'aide au poste conventionnée "
            "par structure en 2014 (incluant, le cas échéant, le cofinancement du conseil "
            "général) » (note DGEFP n° 2014-04 du 10 octobre 2014) : aucun indicateur n'est "
            "comparé."
        )
    if motif == MOTIF_PENITENTIAIRE:
        return (
            "Votre structure étant implantée en établissement pénitentiaire, le montant de sa "
            f"part modulée est fixé à {taux_fr(structure['taux_calcule'])} de son montant socle "
            f"({_reference_penitentiaire(annee)}), sans comparaison avec les autres structures."
        )
    groupe = groupe_decrit(structure)
    if motif == MOTIF_PENITENTIAIRE_PLAFOND:
        plafond = parametres.valeur("taux_milieu_penitentiaire", dt.date(annee, 1, 1)).nombre
        return (
            "Votre structure étant implantée en établissement pénitentiaire, sa part modulée est "
            f"plafonnée à {taux_fr(plafond)} de son montant socle "
            f"({_reference_penitentiaire(annee)}) ; ses indicateurs, calculés sur ses données de "
            f"l'année {annee - 1}, sont comparés à ceux des autres structures de son groupe, "
            f"{groupe}."
        )
    if motif == MOTIF_SEULE:
        return (
            f"Votre structure est seule dans son groupe, {groupe} : faute de structure à "
            "laquelle la comparer, chaque indicateur reçoit le score neutre de 0,50 (ses "
            f"indicateurs de l'année {annee - 1} sont donnés pour information)."
        )
    if motif == MOTIF_NON_CALCULABLE:
        return (
            "Aucun indicateur de votre structure n'a pu être calculé sur ses données de l'année "
            f"{annee - 1} (dénominateur nul ou absent) : chacun reçoit le score neutre de 0,50."
        )
    return (
        "Votre taux de modulation résulte des indicateurs de votre structure, calculés sur ses "
        f"données de l'année {annee - 1} et comparés à ceux des autres structures de son groupe, "
        f"{groupe}."
    )


def _reference_penitentiaire(annee: int) -> str:
    """Le texte qui fixe la règle du milieu pénitentiaire pour la campagne (son titre court)."""
    regle = parametres.valeur("regle_milieu_penitentiaire", dt.date(annee, 1, 1))
    return regle.reference_titre.split(" fixant")[0].split(" (")[0].lower()


def texte_eiti_fourni(type_siae: str, annee: int) -> str:
    """Pour une EITI dont le plafond vient d'un texte fourni par le service (dossier de
    paramètres), la référence de ce texte, dite dans la lettre et dans la décision."""
    if type_siae != "EITI":
        return ""
    plafond = parametres.valeur("taux_modulation_max_eiti", dt.date(annee, 1, 1))
    if not plafond.origine:
        return ""
    return (
        f" Le plafond de la part modulée des EITI, {taux_fr(plafond.nombre)}, est celui de : "
        f"{plafond.reference_titre}."
    )


def _convertir(
    rapport: RapportNotifications, dossier: Path, progression: bool, signature: Signature
) -> None:
    produites = [ligne for ligne in rapport.lignes if ligne.fichier]
    with barre_de_progression("PDF", len(produites), progression) as avancer:
        pdfs = conversion.convertir_en_pdf(
            [dossier / ligne.fichier for ligne in produites], dossier, avancer=avancer
        )
    for ligne, fichier in zip(produites, pdfs, strict=True):
        ligne.pdf = fichier.name
    if pdfs:
        fusion = dossier / signature.nom_de_fichier(NOM_PDF_FUSIONNE)
        rapport.pdf_fusionne = conversion.fusionner_pdf(pdfs, fusion)


def colonnes_index(lignes: list[LigneIndex]) -> list[tuple[str, int, str]]:
    """Les colonnes de l'index : celles de la régularisation 2014 seulement si une structure en a
    une (campagne 2015)."""
    regularisee = any(ligne.livre["regularisation"] is not None for ligne in lignes)
    return [e for e in ENTETES_INDEX if regularisee or e[2] not in COLONNES_REGULARISATION_INDEX]


def _ecrire_index(lignes: list[LigneIndex], chemin: Path, annee: int, mention: str = "") -> Path:
    """`notifications.xlsx` : une ligne par structure (lettre produite ou non, et pourquoi), ses
    montants tels que le grand livre les donne ; imprimé par zones lisibles."""
    entetes = colonnes_index(lignes)
    with ClasseurXlsx(str(chemin)) as classeur:
        if mention:
            avertissement = classeur.add_worksheet("Avertissement")
            retour = classeur.add_format({"bold": True, "text_wrap": True, "valign": "top"})
            avertissement.write_string(0, 0, mention, retour)
            largeurs = poser_colonnes(avertissement, [Colonne("", [mention], maximum=90)], None)
            avertissement.set_row(0, HAUTEUR_LIGNE * lignes_de_texte(mention, largeurs[0]) + 2)
            imprimer(avertissement, largeurs, titre="Avertissement", campagne=annee)
        feuille = classeur.add_worksheet(FEUILLE_INDEX)
        gras = classeur.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        taux = classeur.add_format({"num_format": "0.00%", "valign": "top"})
        euros = classeur.add_format({"num_format": '#,##0.00\\ "€"', "valign": "top"})
        natures = {"taux_calcule": "taux", "taux_effectif": "taux"}
        # noms longs, motif et statut renvoyés à la ligne : rien n'est coupé, à l'écran ou imprimé
        retour = classeur.add_format({"text_wrap": True, "valign": "top"})
        haut = classeur.add_format({"valign": "top"})
        textes = [retour if c in RENVOYEES_INDEX else haut for _, _, c in entetes]
        for colonne, (entete, _, _) in enumerate(entetes):
            feuille.write_string(0, colonne, entete, gras)
        for rang, ligne in enumerate(lignes, start=1):
            for colonne, (_, _, cle) in enumerate(entetes):
                valeur = ligne.valeur(cle)
                if isinstance(valeur, Decimal):
                    feuille.write_number(rang, colonne, valeur, taux if cle in natures else euros)
                elif valeur:
                    feuille.write_string(rang, colonne, str(valeur), textes[colonne])
        colonnes = [
            Colonne(
                entete,
                [texte_affiche(ligne.valeur(cle), natures.get(cle, "euros")) for ligne in lignes],
                maximum=largeur,
            )
            for entete, largeur, cle in entetes
        ]
        largeurs = poser_colonnes(feuille, colonnes, 0, dict(enumerate(textes)))
        imprimer_par_zones(
            feuille,
            largeurs,
            titre="Index des lettres de notification",
            campagne=annee,
            colonnes_repetees=COLONNES_REPETEES_INDEX,
            lignes_repetees=(0, 0),
        )
        feuille.freeze_panes(1, 0)
        feuille.autofilter(0, 0, len(lignes), len(entetes) - 1)
    return chemin


def demo_notifications(
    dossier: Path, resultats_csv: Path, annee: int, pdf: bool | None = None
) -> str:
    """L'étape « notifications » de `iae-modulation demo` (PDF selon la règle commune)."""
    rapport = generer_notifications(
        resultats_csv,
        None,
        annee,
        dossier,
        pdf=pdf,
        ecraser=True,
        signature=signature_demo(),
    )
    return rapport.resume()
