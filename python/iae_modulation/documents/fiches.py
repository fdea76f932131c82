"""Fiche de dialogue de gestion de chaque structure (instruction DGEFP n° 2014-2 du 5 février
2014, § 3 : « Le dialogue de gestion est un outil central du pilotage des dispositifs de
l'IAE ») : une page, en Word et en PDF, préparée depuis les nombres de la campagne.

Tous les montants et taux viennent du grand livre (`resultats.csv`, « une source pour chaque
euro »), le rang aussi (colonnes `rang_*` et `effectif_*` de la notation « rang ») ; médiane et
quartiles sont calculés sur les colonnes d'indicateurs du même grand livre, parmi les structures
comparées du groupe (même type, même région, hors taux fixe) ; postes et sorties viennent de la
table des données du calcul ; les poids des critères, des paramètres datés. Avec le grand livre
de l'année précédente, ses valeurs figurent à côté.

Une fiche a un contenu (`Contenu` : textes, tableaux, bandes de points) et deux rendus : le
modèle Word (`fiche_dialogue_gestion.docx`, que l'agent peut retoucher) et le PDF dessiné
directement (`fiche_pdf`, une page). Les fiches sont écrites par lots, un processus par cœur.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation import parametres
from iae_modulation.colonnes import (
    MOTIF_CLASSEMENT,
    MOTIF_FORFAIT_2014,
    MOTIF_NON_CALCULABLE,
    MOTIF_PENITENTIAIRE,
    MOTIF_PENITENTIAIRE_PLAFOND,
    MOTIF_SEULE,
)
from iae_modulation.documents.fiche_pdf import ecrire_fiche_pdf
from iae_modulation.documents.graphique import Fond, Repartition, bandes_png, repartition
from iae_modulation.documents.modeles_source import DOSSIER_MODELES, NOM_FICHE
from iae_modulation.documents.publipostage import Bloc, ModeleCompile, echapper, image_xml
from iae_modulation.documents.tableau_word import tableau_xml
from iae_modulation.donnees import lire_donnees
from iae_modulation.formats import date_fr, montant_fr, nombre_fr, taux_fr
from iae_modulation.progression import progression as barre_de_progression
from iae_modulation.referentiel import TYPES_SIAE, departements
from iae_modulation.resultats import GrandLivre, donnees_du_calcul, lire_grand_livre
from iae_modulation.sorties import (
    ErreurEntree,
    dossier_atomique,
    ecrire_manifeste,
    nom_de_fichier_sur,
)

MODELE_FICHE = DOSSIER_MODELES / NOM_FICHE
CRITERES = (
    ("publics", "Publics", "bénéficiaires de minima sociaux / salariés en insertion"),
    ("effort", "Efforts d'insertion", "ETP d'encadrement / ETP en insertion"),
    ("resultats", "Résultats", "sorties dynamiques / sorties examinées"),
)
# comparées dans leur groupe : toutes, sauf le taux fixe du milieu pénitentiaire (avant 2022)
COMPARES = (MOTIF_CLASSEMENT, MOTIF_SEULE, MOTIF_NON_CALCULABLE, MOTIF_PENITENTIAIRE_PLAFOND)
CHAMPS_OBLIGATOIRES = frozenset(
    {"identifiant", "raison_sociale", "indicateurs", "montants", "calcul_du_montant"}
)
CHAMPS_FICHE = CHAMPS_OBLIGATOIRES | {
    "annee",
    "sous_titre",
    "type_structure",
    "siret",
    "territoire",
    "motif_taux",
    "graphiques",
    "legende_graphiques",
    "postes_et_sorties",
    "remarques",
    "pied",
}
LARGEUR_TEXTE = 9864  # vingtièmes de point : 17,4 cm entre les marges
LARGEUR_LIBELLE_CM, LARGEUR_IMAGE_CM, HAUTEUR_IMAGE_CM = 4.0, 13.0, 1.41
FICHES_PAR_LOT = 150  # fiches écrites d'un coup par un processus


@dataclass
class Groupe:
    """Les structures comparées d'un groupe (type × région, ou type × département selon la
    méthode) et la répartition de chaque critère, avec le fond de sa bande de points."""

    type: str
    region: str  # la région, ou le département du groupe
    compares: list[dict]
    taille: int = 0  # toutes les structures du groupe, taux fixes compris
    repartitions: dict[str, Repartition | None] = field(default_factory=dict)
    fonds: dict[str, Fond] = field(default_factory=dict)

    def rang(self, critere: str, structure: dict) -> tuple[Decimal, int] | None:
        """Rang croissant (ex æquo moyennés, 1 = valeur la plus faible) et effectif : ceux du
        grand livre (notation « rang »), sinon comptés parmi les structures comparées."""
        if structure.get(f"rang_{critere}") is not None:
            return structure[f"rang_{critere}"], int(structure[f"effectif_{critere}"])
        valeur = structure[critere]
        valeurs = [v for s in self.compares if (v := s[critere]) is not None]
        if valeur is None or not valeurs:
            return None
        dessous = sum(v < valeur for v in valeurs)
        egaux = sum(v == valeur for v in valeurs)
        return Decimal(2 * dessous + egaux + 1) / 2, len(valeurs)


@dataclass
class RapportFiches:
    sortie: Path
    nb_fiches: int = 0
    pdf: int = 0
    duree: float = 0.0
    remarques: list[str] = field(default_factory=list)

    def resume(self) -> str:
        lignes = [
            f"{self.nb_fiches} fiche(s) de dialogue de gestion écrite(s) (Word"
            + (f", {self.pdf} PDF" if self.pdf else "")
            + f") en {nombre_fr(Decimal(str(round(self.duree, 1))), 1)} s, dans {self.sortie}."
        ]
        return "\n".join(lignes + [f"Remarque : {r}" for r in self.remarques])


def fiche_nom(structure: dict, annee: int) -> str:
    """Le nom de la fiche d'une structure, sans extension : année, département, mesure et
    n° d'annexe, comme la référence d'une lettre (« fiche_2026-57-ACI-ACI057230038 »)."""
    return "fiche_" + nom_de_fichier_sur(
        f"{annee}-{structure['departement']}-{structure['type']}-{structure['identifiant']}"
    )


def generer_fiches(
    resultats: Path,
    sortie: Path,
    *,
    precedent: Path | None = None,
    donnees: Path | None = None,
    modele: Path | None = None,
    pdf: bool | None = None,
    ecraser: bool = False,
    progression: bool = True,
) -> RapportFiches:
    """Une fiche `fiche_<année>-<dép>-<mesure>-<identifiant>.docx` et `.pdf` par structure du
    grand livre (`fiche_nom` ; PDF dessiné
    directement, sans LibreOffice : produit sauf `pdf=False`) ; lève `ErreurEntree` (grand
    livre, données, modèle) ou `ErreurSortie`."""
    debut = time.perf_counter()
    modele = Path(modele or MODELE_FICHE)
    compile_ = ModeleCompile(modele)
    compile_.verifier_champs(CHAMPS_FICHE, CHAMPS_OBLIGATOIRES)
    produire_pdf = pdf is not False
    livre = lire_grand_livre(resultats)
    rapport = RapportFiches(Path(sortie).resolve())
    anterieur = _precedent(precedent, livre) if precedent is not None else None
    donnees = donnees or donnees_du_calcul(Path(resultats).parent)
    table = _table_des_donnees(donnees, livre.annee, rapport)
    groupes = _groupes(livre, anterieur)
    fiches = [
        _Fiche(s, groupes[_cle_du_groupe(s)], table.get(s["identifiant"]), anterieur)
        for s in livre.lignes
    ]
    noms = [fiche_nom(f.structure, livre.annee) for f in fiches]
    if len(set(noms)) != len(noms):
        raise ErreurEntree(
            f"{Path(resultats).name} : deux structures donneraient la même fiche (identifiants "
            "trop proches)."
        )
    entrees = (resultats, precedent, donnees, modele)
    with dossier_atomique(sortie, ecraser, entrees) as dossier:
        lots = [
            range(i, min(i + FICHES_PAR_LOT, len(noms)))
            for i in range(0, len(noms), FICHES_PAR_LOT)
        ]
        ecriture = _Ecriture(
            compile_, fiches, noms, livre.annee, livre.fichier.name, dossier, produire_pdf
        )
        with barre_de_progression("Fiches", len(fiches), progression) as avancer:
            for lot in _en_parallele(ecriture, lots):
                for rang in lot:
                    avancer(noms[rang])
        rapport.pdf = len(noms) if produire_pdf else 0
        ecrire_manifeste(
            dossier,
            "fiches",
            {"resultats": resultats, "precedent": precedent, "donnees": donnees, "modele": modele},
            {"annee": livre.annee, "pdf": produire_pdf},
        )
    rapport.nb_fiches = len(fiches)
    if livre.modifie:
        rapport.remarques.append(livre.modifie)
    rapport.duree = time.perf_counter() - debut
    return rapport


def _precedent(chemin: Path, livre: GrandLivre) -> dict:
    """Le grand livre de la campagne précédente, par identifiant (et par SIRET et type quand
    le n° d'annexe a changé) ; refusé s'il n'est pas celui de l'année N − 1."""
    anterieur = lire_grand_livre(chemin, accepter_modifie=True)
    if anterieur.annee != livre.annee - 1:
        raise ErreurEntree(
            f"{Path(chemin).name} : grand livre de la campagne {anterieur.annee} ; --precedent "
            f"attend celui de la campagne {livre.annee - 1}."
        )
    par_identifiant = {s["identifiant"]: s for s in anterieur.lignes}
    par_siret = defaultdict(list)
    for s in anterieur.lignes:
        if s["siret"]:
            par_siret[(s["siret"], s["type"])].append(s)
    for cle, lignes in par_siret.items():
        if len(lignes) == 1:
            par_identifiant.setdefault(cle, lignes[0])
    return par_identifiant


def _table_des_donnees(donnees: Path | None, annee: int, rapport: RapportFiches) -> dict:
    if donnees is None:
        rapport.remarques.append(
            "table des données du calcul introuvable (manifeste du calcul) : postes et sorties "
            "ne sont pas sur les fiches (--donnees pour l'indiquer)."
        )
        return {}
    lues = lire_donnees(Path(donnees), annee)
    return {ligne["identifiant"]: ligne for ligne in lues.table.to_dict("records")}


def _cle_du_groupe(structure: dict) -> tuple[str, str]:
    """Le groupe de la méthode (colonne `groupe` : « ACI Grand Est », « ACI 51 ») ; une
    structure hors classement va avec celles de son type et de sa région."""
    groupe = structure["groupe"] or f"{structure['type']} {structure['region']}"
    return structure["type"], groupe.removeprefix(f"{structure['type']} ")


def _groupes(livre: GrandLivre, anterieur: dict | None) -> dict[tuple[str, str], Groupe]:
    groupes: dict[tuple[str, str], Groupe] = {}
    for structure in livre.lignes:
        cle = _cle_du_groupe(structure)
        groupe = groupes.setdefault(cle, Groupe(*cle, []))
        groupe.taille += 1
        if structure["motif_taux"] in COMPARES:
            groupe.compares.append(structure)
    for groupe in groupes.values():
        for critere, *_ in CRITERES:
            valeurs = [v for s in groupe.compares if (v := s[critere]) is not None]
            groupe.repartitions[critere] = repartition(valeurs)
            precedentes = []
            if anterieur:
                precedentes = [
                    v
                    for s in groupe.compares
                    if (a := _anterieure(anterieur, s)) and (v := a[critere]) is not None
                ]
            groupe.fonds[critere] = Fond(
                groupe.repartitions[critere], max([*valeurs, *precedentes], default=Decimal(0))
            )
    return groupes


def _anterieure(anterieur: dict | None, structure: dict) -> dict | None:
    if not anterieur:
        return None
    return anterieur.get(structure["identifiant"]) or anterieur.get(
        (structure["siret"], structure["type"])
    )


@dataclass
class _Fiche:
    structure: dict
    groupe: Groupe
    donnees: dict | None
    anterieur: dict | None

    def contenu(self, annee: int, nom_du_grand_livre: str) -> Contenu:
        """Ce que dit la fiche, une fois pour ses deux rendus (Word et PDF) : textes, tableaux
        et bandes, tous tirés du grand livre, des données du calcul et des paramètres."""
        s = self.structure
        precedente = _anterieure(self.anterieur, s)
        departement = departements().get(s["departement"])
        poids = _poids(annee)
        return Contenu(
            textes={
                "annee": str(annee),
                "sous_titre": (
                    f"Indicateurs de l'année {annee - 1} ; taux et montants lus dans le grand "
                    f"livre de la campagne ({nom_du_grand_livre}). Document de travail préparé "
                    "pour le dialogue de gestion : il ne vaut pas décision."
                ),
                "raison_sociale": s["raison_sociale"]
                or (self.donnees or {}).get("raison_sociale", ""),
                "type_structure": TYPES_SIAE.get(s["type"], s["type"]),
                "siret": s["siret"] or "non renseigné",
                "identifiant": s["identifiant"],
                "territoire": (
                    f"Département {s['departement']}"
                    + (f" – {departement.nom}" if departement else "")
                    + f", région {s['region']} ; groupe de comparaison : "
                    f"{len(self.groupe.compares)} {s['type']} "
                    + ("de la région" if self.groupe.region == s["region"] else "du département")
                    + (
                        " (hors taux fixe)"
                        if len(self.groupe.compares) != self.groupe.taille
                        else ""
                    )
                ),
                "motif_taux": _motif(s),
                "legende_graphiques": (
                    "Chaque point gris est une structure comparée du groupe ; le rectangle va du "
                    "1er au 3e quartile, le trait épais marque la médiane ; le losange rouge est "
                    "la structure"
                    + (f", le cercle bleu sa valeur de l'année {annee - 2}" if precedente else "")
                    + ". Quartiles et médiane calculés comme QUARTILE et MEDIANE d'Excel ; rang "
                    "1 = la valeur la plus faible du groupe (ex æquo : rang moyen)."
                ),
                "postes_et_sorties": None
                if self.donnees
                else "Table des données du calcul non fournie : postes et sorties non repris.",
                "calcul_du_montant": _calcul_du_montant(s),
                "remarques": f"Remarques du calcul : {s['anomalies']}" if s["anomalies"] else None,
                # le même pour toutes les fiches
                "pied": (
                    f"Fiche de dialogue de gestion – campagne {annee} – préparée par "
                    f"iae-modulation le {date_fr(dt.date.today())}"
                ),
            },
            indicateurs=self._indicateurs(precedente, annee, poids),
            postes_et_sorties=(
                self._postes_et_sorties(self.donnees, annee) if self.donnees else None
            ),
            montants=self._montants(precedente, annee),
            # hors classement (taux fixe), la valeur est placée pour information
            bandes=[
                Bande(
                    f"{libelle} ({poids[critere]})",
                    self.groupe.fonds[critere],
                    s[critere],
                    precedente[critere] if precedente else None,
                )
                for critere, libelle, _ in CRITERES
            ],
        )

    def rendu(
        self, annee: int, nom_du_grand_livre: str, prefixe: str
    ) -> tuple[dict, dict[str, bytes], Contenu]:
        """Les champs Word de la fiche (textes et blocs) et son image, nommée d'après `prefixe`
        (distinct d'une fiche à l'autre), et son contenu (pour le PDF)."""
        contenu = self.contenu(annee, nom_du_grand_livre)
        nom = f"{prefixe}bandes.png"
        medias = {nom: bandes_png([(b.fond, b.valeur, b.precedente) for b in contenu.bandes])}
        valeurs: dict[str, object] = dict(contenu.textes)
        valeurs["indicateurs"] = Bloc(contenu.indicateurs.xml())
        valeurs["montants"] = Bloc(contenu.montants.xml())
        if contenu.postes_et_sorties is not None:
            valeurs["postes_et_sorties"] = Bloc(contenu.postes_et_sorties.xml())
        image = image_xml(nom, LARGEUR_IMAGE_CM, HAUTEUR_IMAGE_CM * len(contenu.bandes), 1)
        valeurs["graphiques"] = Bloc(
            _tableau_graphiques([b.libelle for b in contenu.bandes], image)
        )
        return valeurs, medias, contenu

    def _indicateurs(self, precedente: dict | None, annee: int, poids: dict) -> Tableau:
        s = self.structure
        colonnes = ["Critère (poids)", f"Valeur {annee - 1}"]
        if self.anterieur is not None:
            colonnes.append(f"Valeur {annee - 2}")
        colonnes += ["1er quartile", "Médiane", "3e quartile", "Rang", "Score"]
        lignes = []
        for critere, libelle, definition in CRITERES:
            valeur = s[critere]
            repartition_ = self.groupe.repartitions[critere]
            rang = self.groupe.rang(critere, s) if s["motif_taux"] in COMPARES else None
            ligne = [f"{libelle} ({poids[critere]}) : {definition}", _taux(valeur)]
            if self.anterieur is not None:
                ligne.append(_taux(precedente[critere]) if precedente else "—")
            if repartition_ is None:
                ligne += ["—", "—", "—"]
            else:
                ligne += [
                    _taux(repartition_.premier_quartile),
                    _taux(repartition_.mediane),
                    _taux(repartition_.troisieme_quartile),
                ]
            ligne.append(
                "—"
                if rang is None
                else f"{nombre_fr(rang[0], 0 if rang[0] % 1 == 0 else 1)} / {rang[1]}"
            )
            score = s[f"score_{critere}"]
            ligne.append("—" if score is None else nombre_fr(score, 4))
            lignes.append(ligne)
        return Tableau(colonnes, lignes)

    def _postes_et_sorties(self, d: dict, annee: int) -> Tableau:
        totales = d["sorties_totales"]

        def part(nombre: Decimal | None) -> str:
            if nombre is None:
                return "non renseigné"
            texte = _nombre(nombre)
            if totales:
                texte += f" ({taux_fr(nombre / totales, 0)})"
            return texte

        dynamiques = [d[c] for c in ("sorties_emploi_durable", "sorties_emploi_transition",
                                     "sorties_positives")]  # fmt: skip
        autres = (
            totales - sum(v for v in dynamiques if v is not None) if totales is not None else None
        )
        lignes = [
            [f"ETP conventionnés {annee}", _etp(d["etp_conventionnes"]),
             f"Sorties examinées {annee - 1}", _etp(totales, 0)],
            [f"ETP en insertion {annee - 1} (déclarés)", _etp(d["etp_insertion"]),
             "dont emploi durable", part(dynamiques[0])],
            ["ETP réalisés (si renseignés)", _etp(d["etp_realises"]),
             "dont emploi de transition", part(dynamiques[1])],
            [f"ETP d'encadrement {annee - 1}", _etp(d["etp_encadrement"]),
             "dont sorties positives", part(dynamiques[2])],
            [f"Salariés en insertion {annee - 1}", _etp(d["nb_salaries_insertion"], 0),
             "autres sorties", part(autres)],
        ]  # fmt: skip
        return Tableau(["Postes et salariés", "Nombre", "Sorties", "Nombre"], lignes)

    def _montants(self, precedente: dict | None, annee: int) -> Tableau:
        s = self.structure
        colonnes = ["Montants et taux", f"Campagne {annee}"]
        if self.anterieur is not None:
            colonnes.append(f"Campagne {annee - 1}")
        rangees: list[tuple[str, str, Callable[[Decimal], str]]] = [
            ("Montant socle de l'aide au poste", "montant_socle", montant_fr),
            ("Taux calculé", "taux_calcule", taux_fr),
            ("Montant avant enveloppe (socle × taux)", "montant_avant_enveloppe", montant_fr),
            ("Enveloppe régionale disponible", "enveloppe_disponible", montant_fr),
            ("Total des montants avant enveloppe", "total_avant_enveloppe", montant_fr),
            ("Montant modulé", "montant_module", montant_fr),
            ("Taux effectif (modulé ÷ socle)", "taux_effectif", taux_fr),
            ("Régularisation 2014 déduite", "regularisation", montant_fr),
            ("Montant net versé", "montant_net", montant_fr),
        ]
        lignes = []
        for libelle, colonne, forme in rangees:
            if s[colonne] is None and (not precedente or precedente[colonne] is None):
                continue
            ligne = [libelle, "—" if s[colonne] is None else forme(s[colonne])]
            if self.anterieur is not None:
                ancienne = precedente[colonne] if precedente else None
                ligne.append("—" if ancienne is None else forme(ancienne))
            lignes.append(ligne)
        return Tableau(colonnes, lignes)


@dataclass
class Tableau:
    """Un tableau de la fiche : en-têtes et lignes de textes, rendus en Word ou en PDF."""

    colonnes: list[str]
    lignes: list[list[str]]

    def xml(self) -> str:
        return tableau_xml(self.colonnes, self.lignes, LARGEUR_TEXTE)


@dataclass
class Bande:
    """La bande de points d'un critère : son libellé, le fond du groupe, la valeur de la
    structure et celle de l'année précédente."""

    libelle: str
    fond: Fond
    valeur: Decimal | None
    precedente: Decimal | None


@dataclass
class Contenu:
    """Le contenu d'une fiche, commun au modèle Word et au PDF (`fiche_pdf`)."""

    textes: dict[str, str | None]
    indicateurs: Tableau
    postes_et_sorties: Tableau | None
    montants: Tableau
    bandes: list[Bande]


def _poids(annee: int) -> dict[str, str]:
    """Le poids de chaque critère en vigueur pour la campagne (« 35 % »), paramètre daté."""
    jour = dt.date(annee, 1, 1)
    return {c: taux_fr(parametres.valeur(f"poids_{c}", jour).nombre, 0) for c, *_ in CRITERES}


def _taux(valeur: Decimal | None) -> str:
    return "non calculable" if valeur is None else taux_fr(valeur, 1)


def _etp(valeur: Decimal | None, decimales: int = 2) -> str:
    return "non renseigné" if valeur is None else nombre_fr(valeur, decimales)


def _nombre(valeur: Decimal) -> str:
    return nombre_fr(valeur, 0 if valeur == valeur.to_integral_value() else 2)


def _motif(structure: dict) -> str | None:
    motif = structure["motif_taux"]
    textes = {
        MOTIF_PENITENTIAIRE: "Milieu pénitentiaire : taux fixe, hors classement ; indicateurs "
        "donnés pour information.",
        MOTIF_PENITENTIAIRE_PLAFOND: "Milieu pénitentiaire : classée avec les structures de son "
        "groupe, taux plafonné (taux calculé ci-dessous).",
        MOTIF_FORFAIT_2014: "Campagne 2014 : taux forfaitaire de la note DGEFP n° 2014-04, sans "
        "classement.",
        MOTIF_SEULE: "Seule structure de son type dans la région : score neutre de 0,50 pour "
        "chaque critère.",
        MOTIF_NON_CALCULABLE: "Aucun indicateur calculable : score neutre de 0,50 pour chaque "
        "critère.",
    }
    return textes.get(motif)


def _calcul_du_montant(s: dict) -> str:
    """Le montant refait depuis ce que la fiche montre (grand livre)."""
    texte = (
        f"Montant avant enveloppe = {montant_fr(s['montant_socle'])} × "
        f"{taux_fr(s['taux_calcule'])} = {montant_fr(s['montant_avant_enveloppe'])} (au centime)."
    )
    if s["enveloppe_disponible"] is not None:
        texte += (
            f" Réduit par l'enveloppe : {montant_fr(s['montant_avant_enveloppe'])} × "
            f"{montant_fr(s['enveloppe_disponible'])} / {montant_fr(s['total_avant_enveloppe'])}"
            f", au centime inférieur = {montant_fr(s['montant_module'])}."
        )
    if s["regularisation"]:
        texte += (
            f" Net = {montant_fr(s['montant_module'])} − {montant_fr(s['regularisation'])} = "
            f"{montant_fr(s['montant_net'])}."
        )
    return texte


def _tableau_graphiques(libelles: list[str], image: str) -> str:
    """Un tableau sans bordure d'une ligne : à gauche le nom de chaque critère, sur une
    hauteur exacte égale à celle de sa bande ; à droite l'image des bandes."""
    gauche = int(LARGEUR_LIBELLE_CM * 567)
    droite = LARGEUR_TEXTE - gauche
    hauteur = int(HAUTEUR_IMAGE_CM * 567)
    noms = "".join(
        f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="{hauteur}" '
        'w:lineRule="exact"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="16"/></w:rPr>'
        f'<w:t xml:space="preserve">{echapper(libelle)}</w:t></w:r></w:p>'
        for libelle in libelles
    )
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{LARGEUR_TEXTE}" w:type="dxa"/>'
        '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="0" w:type="dxa"/>'
        '<w:right w:w="0" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        f'<w:tblGrid><w:gridCol w:w="{gauche}"/><w:gridCol w:w="{droite}"/></w:tblGrid>'
        "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        f'<w:tc><w:tcPr><w:tcW w:w="{gauche}" w:type="dxa"/></w:tcPr>{noms}</w:tc>'
        f'<w:tc><w:tcPr><w:tcW w:w="{droite}" w:type="dxa"/></w:tcPr>'
        f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr><w:r>{image}</w:r></w:p>'
        "</w:tc></w:tr></w:tbl>"
    )


@dataclass
class _Ecriture:
    """Ce qu'il faut pour écrire un lot de fiches, transmis une fois à chaque processus."""

    modele: ModeleCompile
    fiches: list[_Fiche]
    noms: list[str]
    annee: int
    nom_du_grand_livre: str
    dossier: Path
    pdf: bool

    def lot(self, lot: range) -> range:
        """Les fiches du lot : le .docx depuis le modèle, le PDF depuis le même contenu."""
        for rang in lot:
            nom = self.noms[rang]
            valeurs, medias, contenu = self.fiches[rang].rendu(
                self.annee, self.nom_du_grand_livre, f"{nom}_"
            )
            self.modele.ecrire(valeurs, self.dossier / f"{nom}.docx", medias)
            if self.pdf:
                ecrire_fiche_pdf(contenu, self.dossier / f"{nom}.pdf")
        return lot


_ECRITURE: _Ecriture | None = None  # dans un processus de travail


def _preparer_le_processus(ecriture: _Ecriture) -> None:
    global _ECRITURE
    _ECRITURE = ecriture


def _lot_dans_le_processus(lot: range) -> range:
    assert _ECRITURE is not None, "préparé par l'initialiseur du processus de travail"
    return _ECRITURE.lot(lot)


def _en_parallele(ecriture: _Ecriture, lots: list[range]):
    """Les lots écrits, un processus par cœur (le rendu est du Python : les fils d'exécution ne
    le partageraient pas) ; dans ce processus-ci quand il n'y a qu'un lot."""
    processus = min(os.cpu_count() or 1, len(lots))
    if processus <= 1:
        yield from map(ecriture.lot, lots)
        return
    with ProcessPoolExecutor(
        processus, initializer=_preparer_le_processus, initargs=(ecriture,)
    ) as pool:
        yield from pool.map(_lot_dans_le_processus, lots)
