"""Notification du montant modulé à chaque SIAE (note DGEFP 2014-04, annexe 4 : « Exemple de
courrier de notification du versement du montant modulé à une SIAE »).

Une lettre Word par structure de `resultats.csv`, avec le nom et l'adresse pris dans la table
canonique, puis, sur demande, les PDF (un seul lot LibreOffice) et un PDF fusionné pour
l'impression ; un index `notifications.xlsx` et `manifeste.json`.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation.documents import pdf as conversion
from iae_modulation.documents.decision_asp import lieu_et_date
from iae_modulation.documents.modeles_source import DOSSIER_MODELES, NOM_NOTIFICATION
from iae_modulation.documents.publipostage import ModeleCompile
from iae_modulation.documents.signature import Signature
from iae_modulation.donnees import lire_donnees
from iae_modulation.formats import arrondi_centime, montant_fr, nombre_fr, taux_fr
from iae_modulation.progression import progression as barre_de_progression
from iae_modulation.referentiel import TYPES_SIAE, probleme_annee_campagne
from iae_modulation.resultats import lire_resultats_csv
from iae_modulation.sorties import (
    ErreurEntree,
    dossier_atomique,
    ecrire_manifeste,
    nom_de_fichier_sur,
)
from iae_modulation.texte_xml import ClasseurXlsx

MODELE_NOTIFICATION = DOSSIER_MODELES / NOM_NOTIFICATION
ANNEE_FORFAIT = 2014  # note 2014-04 : taux de 5 % pour toutes les structures en 2014
CHAMPS_OBLIGATOIRES = frozenset(
    {
        "raison_sociale",
        "adresse",
        "code_postal",
        "commune",
        "siret",
        "identifiant",
        "annee",
        "montant_socle",
        "taux_modulation",
        "montant_module",
        "regularisation",
        "montant_net",
    }
)
CHAMPS_NOTIFICATION = CHAMPS_OBLIGATOIRES | {
    "service",
    "region",
    "lieu_date",
    "qualite",
    "signataire",
    "type_structure",
    "departement",
    "motif_taux",
    "reste_a_deduire",
    "montant_avant_enveloppe",
    "publics_valeur",
    "publics_score",
    "effort_valeur",
    "effort_score",
    "resultats_valeur",
    "resultats_score",
}
NOM_INDEX = "notifications.xlsx"
# Écrire des milliers de petits fichiers est limité par la latence du disque : quelques fils
# d'écriture en parallèle divisent ce temps par 3 (mesuré, benchmarks/bench_notifications.py).
FILS_D_ECRITURE = 4
NOM_PDF_FUSIONNE = "notifications_a_imprimer.pdf"
PRODUITE = "produite"
ENTETES_INDEX = (
    ("Identifiant (annexe financière)", 22),
    ("Structure", 40),
    ("SIRET", 16),
    ("Type", 7),
    ("Département", 12),
    ("Taux de modulation", 12),
    ("Montant modulé", 15),
    ("Régularisation 2014", 15),
    ("Montant net versé", 15),
    ("Lettre Word", 34),
    ("Lettre PDF", 34),
    ("Statut", 60),
)


@dataclass
class LigneIndex:
    """Une structure de `resultats.csv` et ce qui a été produit pour elle."""

    identifiant: str
    raison_sociale: str
    siret: str
    type: str
    departement: str
    taux_modulation: Decimal | None
    montant_module: Decimal | None
    regularisation: Decimal | None
    montant_net: Decimal | None
    fichier: str = ""
    pdf: str = ""
    statut: str = PRODUITE


@dataclass
class RapportNotifications:
    sortie: Path
    lignes: list[LigneIndex]
    pdf_fusionne: Path | None = None
    duree: float = 0.0
    alertes: list[str] = field(default_factory=list)

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
        if self.alertes:
            texte.append(f"{len(self.alertes)} structure(s) à vérifier :")
            texte += [f"  - {alerte}" for alerte in self.alertes]
        return "\n".join(texte)


def generer_notifications(
    resultats: Path,
    donnees: Path,
    annee: int,
    sortie: Path,
    *,
    modele: Path | None = None,
    pdf: bool = False,
    ecraser: bool = False,
    signature: Signature,
    progression: bool = True,
) -> RapportNotifications:
    """Une lettre `notification_<identifiant>.docx` par structure de `resultats`.

    Le modèle est vérifié avant toute lettre ; une structure sans adresse ou sans montant est
    signalée dans le rapport et dans l'index, jamais ignorée en silence. Lève `ErreurEntree`
    (modèle, fichiers), `ErreurSortie` (dossier existant) ou `pdf.ErreurPDF`.
    """
    debut = time.perf_counter()
    modele = Path(modele or MODELE_NOTIFICATION)
    compile_ = ModeleCompile(modele)
    compile_.verifier_champs(CHAMPS_NOTIFICATION, CHAMPS_OBLIGATOIRES)
    if pdf and not conversion.libreoffice_disponible():
        raise conversion.ErreurPDF(
            "PDF demandés mais LibreOffice est introuvable : installez-le ou retirez --pdf."
        )
    probleme = probleme_annee_campagne(annee)
    if probleme:
        raise ErreurEntree(probleme)
    structures = lire_resultats_csv(resultats, annee).to_dict("records")
    if not structures:
        raise ErreurEntree(f"{Path(resultats).name} : aucune structure, aucune lettre à écrire.")
    _verifier_identifiants(structures, Path(resultats).name)
    lues = lire_donnees(donnees, annee)
    if not lues.rapport.est_valide:
        # le calcul a refusé ces données : ce ne sont pas celles qui ont donné les résultats
        raise ErreurEntree(
            f"{Path(donnees).name} : ce ne sont pas les données valides d'un calcul (les "
            "adresses des lettres en viennent).\n" + lues.rapport.texte()
        )
    adresses = {ligne["identifiant"]: ligne for ligne in lues.table.to_dict("records")}
    rapport = RapportNotifications(Path(sortie).resolve(), [])
    with dossier_atomique(sortie, ecraser, (resultats, donnees, modele)) as dossier:
        with (
            barre_de_progression("Notifications", len(structures), progression) as avancer,
            ThreadPoolExecutor(FILS_D_ECRITURE) as fils,
        ):
            lettres = fils.map(
                lambda structure: _lettre(
                    compile_,
                    structure,
                    adresses.get(structure["identifiant"]),
                    annee,
                    signature,
                    dossier,
                ),
                structures,
            )
            for ligne in lettres:
                rapport.lignes.append(ligne)
                avancer(ligne.identifiant)
        if pdf:
            _convertir(rapport, dossier)
        _ecrire_index(rapport.lignes, dossier / NOM_INDEX)
        ecrire_manifeste(
            dossier,
            "notifications",
            {"resultats": Path(resultats), "donnees": Path(donnees), "modele": modele},
            {
                "annee": annee,
                "pdf": pdf,
                "service": signature.service,
                "region": signature.region,
                "lieu": signature.lieu,
                "signataire": signature.signataire,
                "qualite": signature.qualite,
                "date": signature.date.isoformat(),
            },
        )
    rapport.alertes = [
        f"{ligne.identifiant} ({ligne.raison_sociale}) : {ligne.statut}"
        for ligne in rapport.lignes
        if ligne.statut != PRODUITE
    ]
    if rapport.pdf_fusionne is not None:
        rapport.pdf_fusionne = rapport.sortie / rapport.pdf_fusionne.name
    rapport.duree = time.perf_counter() - debut
    return rapport


def nom_fichier_notification(identifiant: str) -> str:
    return f"notification_{nom_de_fichier_sur(identifiant)}.docx"


def _verifier_identifiants(structures: list[dict], fichier: str) -> None:
    noms = Counter(nom_fichier_notification(s["identifiant"]) for s in structures)
    doublons = sorted(nom for nom, nombre in noms.items() if nombre > 1)
    if doublons:
        raise ErreurEntree(
            f"{fichier} : plusieurs structures donneraient la même lettre (identifiant en double "
            f"ou trop proche) : {', '.join(doublons)}."
        )


def _lettre(
    compile_: ModeleCompile,
    structure: dict,
    donnees: dict | None,
    annee: int,
    signature: Signature,
    dossier: Path,
) -> LigneIndex:
    donnees = donnees or {}
    ligne = LigneIndex(
        identifiant=structure["identifiant"],
        raison_sociale=donnees.get("raison_sociale") or structure["raison_sociale"],
        siret=donnees.get("siret") or structure["siret"],
        type=structure["type"],
        departement=structure["departement"],
        taux_modulation=structure["taux_modulation"],
        montant_module=structure["montant_module"],
        regularisation=structure["regularisation"],
        montant_net=structure["montant_net"],
    )
    if structure["montant_module"] is None or structure["taux_modulation"] is None:
        anomalies = f" ({structure['anomalies']})" if structure["anomalies"] else ""
        ligne.statut = f"lettre non produite : montant modulé non calculé{anomalies}"
        return ligne
    manquantes = [
        libelle
        for colonne, libelle in (
            ("adresse", "adresse"),
            ("code_postal", "code postal"),
            ("commune", "commune"),
        )
        if not str(donnees.get(colonne, "")).strip()
    ]
    if not donnees:
        ligne.statut = "structure absente des données : adresse à compléter avant envoi"
    elif manquantes:
        ligne.statut = f"adresse incomplète ({', '.join(manquantes)}) : à compléter avant envoi"
    ligne.fichier = nom_fichier_notification(ligne.identifiant)
    compile_.ecrire(
        valeurs_notification(structure, donnees, annee, signature), dossier / ligne.fichier
    )
    return ligne


def valeurs_notification(
    structure: dict, donnees: dict, annee: int, signature: Signature
) -> dict[str, str | None]:
    """Les champs de la lettre, tous en texte français ; None retire le paragraphe facultatif."""
    regularisation = structure["regularisation"]
    reste = structure["reste_a_deduire"]
    avec_regularisation = regularisation is not None and regularisation > 0
    net = structure["montant_net"]
    if net is None and avec_regularisation:
        net = max(Decimal(0), structure["montant_module"] - regularisation)
    valeurs = {
        "identifiant": structure["identifiant"],
        "raison_sociale": donnees.get("raison_sociale") or structure["raison_sociale"],
        "siret": donnees.get("siret") or structure["siret"],
        "adresse": str(donnees.get("adresse", "")),
        "code_postal": str(donnees.get("code_postal", "")),
        "commune": str(donnees.get("commune", "")),
        "type_structure": TYPES_SIAE.get(structure["type"], structure["type"]).lower(),
        "departement": structure["departement"],
        "region": signature.region or structure["region"],
        "annee": str(annee),
        "montant_socle": _montant(structure["montant_socle"]),
        "taux_modulation": taux_fr(structure["taux_modulation"]),
        "montant_module": montant_fr(structure["montant_module"]),
        "montant_avant_enveloppe": _avant_enveloppe(structure),
        "regularisation": montant_fr(regularisation) if avec_regularisation else None,
        "montant_net": montant_fr(net) if avec_regularisation else None,
        "reste_a_deduire": montant_fr(reste) if reste is not None and reste > 0 else None,
        "motif_taux": _motif_taux(annee),
        "service": signature.service,
        "lieu_date": lieu_et_date(signature),
        "qualite": signature.qualite,
        "signataire": signature.signataire or None,
    }
    valeurs.update(_indicateurs(structure, annee))
    return valeurs


def _avant_enveloppe(structure: dict) -> str | None:
    """Montant socle × taux, s'il diffère du montant modulé : l'enveloppe régionale l'a réduit
    (design, « Envelope ») ; sans cette phrase, la lettre annoncerait un taux qui ne donne pas
    le montant notifié. None retire le paragraphe."""
    socle, taux = structure["montant_socle"], structure["taux_modulation"]
    if socle is None or taux is None:
        return None
    calcule = arrondi_centime(socle * taux)
    return montant_fr(calcule) if calcule != structure["montant_module"] else None


def _montant(valeur: Decimal | None) -> str:
    return montant_fr(valeur) if valeur is not None else "non renseigné"


def _motif_taux(annee: int) -> str:
    if annee == ANNEE_FORFAIT:
        return (
            "Pour l'année 2014, année de transition de la réforme du financement, ce taux est "
            "fixé à 5 % du montant socle pour toutes les structures (note DGEFP n° 2014-04 du "
            "10 octobre 2014) ; les indicateurs ci-dessous sont donc sans objet."
        )
    return (
        f"Ce taux résulte des trois indicateurs de votre structure, calculés sur vos données de "
        f"l'année {annee - 1} et comparés à ceux des structures du même type de la région "
        "(score de 0 à 1 ; 0,50 lorsque l'indicateur ne peut être calculé) :"
    )


def _indicateurs(structure: dict, annee: int) -> dict[str, str]:
    """Valeur et score de chaque indicateur (note 2014-04, annexe 2), en texte français."""
    valeurs = {}
    for critere in ("publics", "effort", "resultats"):
        valeur, score = structure[critere], structure[f"score_{critere}"]
        if annee == ANNEE_FORFAIT:
            valeurs[f"{critere}_valeur"] = valeurs[f"{critere}_score"] = "sans objet"
            continue
        valeurs[f"{critere}_valeur"] = "non calculable" if valeur is None else taux_fr(valeur)
        valeurs[f"{critere}_score"] = "" if score is None else nombre_fr(score, 2)
    return valeurs


def _convertir(rapport: RapportNotifications, dossier: Path) -> None:
    produites = [ligne for ligne in rapport.lignes if ligne.fichier]
    pdfs = conversion.convertir_en_pdf([dossier / ligne.fichier for ligne in produites], dossier)
    for ligne, fichier in zip(produites, pdfs, strict=True):
        ligne.pdf = fichier.name
    if pdfs:
        rapport.pdf_fusionne = conversion.fusionner_pdf(pdfs, dossier / NOM_PDF_FUSIONNE)


def _ecrire_index(lignes: list[LigneIndex], chemin: Path) -> Path:
    """`notifications.xlsx` : une ligne par structure (lettre produite ou non, et pourquoi)."""
    options = {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}
    with ClasseurXlsx(str(chemin), options) as classeur:
        feuille = classeur.add_worksheet("Notifications")
        gras = classeur.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        euros = classeur.add_format({"num_format": '#,##0.00\\ "€"'})
        pourcent = classeur.add_format({"num_format": "0.00%"})
        for colonne, (entete, largeur) in enumerate(ENTETES_INDEX):
            feuille.write_string(0, colonne, entete, gras)
            feuille.set_column(colonne, colonne, largeur)
        for rang, ligne in enumerate(lignes, start=1):
            textes = (
                ligne.identifiant,
                ligne.raison_sociale,
                ligne.siret,
                ligne.type,
                ligne.departement,
            )
            for colonne, texte in enumerate(textes):
                if texte:
                    feuille.write_string(rang, colonne, texte)
            for colonne, nombre, format_ in (
                (5, ligne.taux_modulation, pourcent),
                (6, ligne.montant_module, euros),
                (7, ligne.regularisation, euros),
                (8, ligne.montant_net, euros),
            ):
                if nombre is not None:
                    feuille.write_number(rang, colonne, nombre, format_)
            for colonne, texte in ((9, ligne.fichier), (10, ligne.pdf), (11, ligne.statut)):
                if texte:
                    feuille.write_string(rang, colonne, texte)
        feuille.freeze_panes(1, 0)
        feuille.autofilter(0, 0, len(lignes), len(ENTETES_INDEX) - 1)
    return chemin


def demo_notifications(dossier: Path, resultats_csv: Path, donnees_csv: Path, annee: int) -> str:
    """L'étape « notifications » de `iae-modulation demo` (PDF si LibreOffice est installé)."""
    rapport = generer_notifications(
        resultats_csv,
        donnees_csv,
        annee,
        dossier,
        pdf=conversion.libreoffice_disponible(),
        ecraser=True,
        signature=Signature(lieu="Strasbourg", signataire="Camille Exemple (démonstration)"),
    )
    return rapport.resume()
