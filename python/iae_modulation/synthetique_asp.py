"""Fichiers de l'ASP fictifs, dans leurs vrais formats, pour la démonstration, les tests et les
bancs d'essai de `preparer` : FluxIAE des annexes financières, bilan annuel (.xlsx) et FluxIAE des
structures, construits à partir d'une table canonique (celle de la démonstration ou du générateur
national `synthetique`), de sorte que `preparer` doive redonner cette table.

Les noms de colonnes sont ceux des fichiers réels : les 128 colonnes de la vue
« AnnexeFinanciere » (échantillon public du FluxIAE), les en-têtes du bilan tels que les lit la
plateforme de l'inclusion (espaces finaux et noms coupés compris), les colonnes de la vue
« Structure ». Comme dans les vrais fichiers, on y trouve aussi ce que `preparer` doit écarter :
avenants remplacés, annexes d'autres années, FDI, contrats passerelle, états autres que
VALIDE, et un n° d'annexe qui change d'une année à l'autre (le bilan N − 1 se rattache alors par
la structure). `hostile=True` ajoute les cas qui doivent être listés ou signalés (voir
`FichiersASP.attendus`). Tout est fictif.
"""

from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from iae_modulation.referentiel import departements, numero_annexe, sans_accents

# Les 128 colonnes de la vue « AnnexeFinanciere » du FluxIAE, dans leur ordre.
COLONNES_ANNEXES = (
    "af_id_structure",
    "af_numero_convention",
    "af_mesure_dispositif_id",
    "af_mesure_dispositif_code",
    "af_numero_annexe_financiere",
    "af_numero_avenant_renouvellement",
    "af_numero_avenant_modification",
    "af_id_annexe_financiere",
    "af_id_avenant_modification",
    "af_date_depot_dde_financement",
    "af_etat_annexe_financiere_id",
    "af_etat_annexe_financiere_code",
    "af_indicateur_suspension",
    "af_indicateur_derogation",
    "af_nb_effectif_total_annee_prec",
    "af_etp_effectif_total_annee_prec",
    "af_nb_pers_agrees_pole_emploi_iae_annee_prec",
    "af_etp_pers_agrees_pole_emploi_iae_annee_prec",
    "af_nb_benef_en_inser_annee_prec",
    "af_etp_benef_en_inser_annee_prec",
    "af_nb_sal_encadrement_tech_accomp_sociop",
    "af_etp_encadrement_tech_accomp_sociop_annee_prec",
    "af_nb_sal_perm_encadrement_tech_sal_insertion",
    "af_etp_perm_encadrement_tech_sal_insertion_annee_prec",
    "af_nb_sal_perm_acc_sociop",
    "af_etp_perm_acc_sociop_annee_prec",
    "af_nb_trava_non_salaries",
    "af_etp_trava_non_salaries",
    "af_nb_presta_ext_enca_tech_accomp_sociop_annee_prec",
    "af_etp_presta_ext_enca_tech_accomp_sociopa_annee_prec",
    "af_eff_nb_trav_indep_agrees_pole_emploi_eiti_annee_prec",
    "af_eff_etp_trav_indep_agrees_pole_emploi_eiti_annee_prec",
    "af_eff_nb_trav_indep_avec_contrat_eiti_hors_iae_annee_prec",
    "af_eff_etp_trav_indep_avec_contrat_eiti_hors_iae_annee_prec",
    "af_date_debut_effet",
    "af_date_fin_effet",
    "af_etp_postes_insertion",
    "af_duree_heure_annuel_etp_id",
    "af_duree_heure_annuel_etp_code",
    "af_duree_heure_annuel_etp_valeur",
    "af_montant_unitaire_annuel_id",
    "af_montant_unitaire_annuel_code",
    "af_montant_unitaire_annuel_valeur",
    "af_montant_total_annuel",
    "af_indic_cofinancement",
    "af_mt_cofinance",
    "af_id_financeur_id",
    "af_id_financeur_code",
    "af_mt_total_aide",
    "af_mt_total_avance",
    "af_indic_perimetre_milieu_penitentiaire",
    "af_nature_action_id",
    "af_nature_action_code",
    "af_description_action",
    "af_pourcentage_avance",
    "af_montant_cofinance",
    "af_mt_tot_masse_salariale",
    "af_part_salaries_agrees",
    "af_total_produits_exploit",
    "af_date_cloture_exercice",
    "af_part_produits_exploit_vente_presta",
    "af_aides_subventions_comp",
    "af_commune",
    "af_intercomm",
    "af_departement",
    "af_region",
    "af_etat",
    "af_fse",
    "af_plie",
    "af_agefiph",
    "af_autre_aide_publique",
    "af_origine_autre_aide_publique",
    "af_fondation",
    "af_nb_prev_sorties",
    "af_taux_prev_sorties_dynamiques",
    "af_taux_prev_sorties_durable",
    "af_taux_prev_sorties_trans",
    "af_taux_prev_sorties_positives",
    "af_duree_collective_hebdo",
    "af_prec_conv_cadre_connu",
    "af_autre_conventionnement",
    "af_num_annexe_ei",
    "af_num_annexe_aci",
    "af_num_annexe_ai",
    "af_num_annexe_etti",
    "af_orga_conv_iae_fdi",
    "af_nature_organisme_iae",
    "af_indic_chrs",
    "af_indic_organisme_formation",
    "af_indic_autre_conv_hors_iae",
    "af_autre_conv_hors_iae",
    "af_indic_service_personnes",
    "af_indic_declaration",
    "af_indic_agrement_qualite",
    "af_indic_portee_regionale",
    "af_indic_fgie",
    "af_indic_fond_terr_fr_active",
    "af_indic_garantie_bancaire",
    "af_indic_apport_ou_credit",
    "af_indic_autre_garan_banc",
    "af_indic_autres_fonds_solid",
    "af_indic_fin_bancaire",
    "af_nb_banques numeric",  # sic : une espace dans le nom de la colonne réelle
    "af_mt_tot_fin_obtenu",
    "af_indic_apport_capital_risque",
    "af_indic_apport_sifa",
    "af_indic_apport_ides",
    "af_indic_apport_autre",
    "af_indic_interv_dla",
    "af_nom_dla",
    "af_nature_action_dla_id",
    "af_nature_action_dla_code",
    "icf_date_debut_action_init",
    "af_date_etat_brouillon",
    "af_date_etat_saisie_termine",
    "af_date_etat_rejete",
    "af_motif_rejet_id",
    "af_motif_rejet_code",
    "af_date_etat_provisoire",
    "af_date_etat_valide",
    "af_date_etat_historise",
    "af_date_etat_dde_annulation",
    "af_motif_dde_annulation_id",
    "af_motif_dde_annulation_code",
    "af_date_etat_annule",
    "af_date_etat_cloture",
    "af_date_signature",
    "af_date_reception_asp",
)
# Identifiants de l'ASP vus dans l'échantillon réel (les autres sont laissés vides).
ID_MESURES = {"AI": "1", "ACI": "2", "EI": "3", "FDI": "5"}
ID_ETATS = {"SAISI": "2", "VALIDE": "3", "PROVISOIRE": "4", "HISTORISE": "8", "CLOTURE": "9"}
DUREE_ETP = {"ACI": "1820.00", "AI": "1607.00", "EI": "1505.00", "EITI": "1505.00"}

# En-têtes du bilan annuel de l'ASP, tels qu'écrits dans l'export (espaces finaux compris).
ENTETE_NUMERO = "0 - Numéro de l'annexe / avenant"
ENTETE_SIRET = "0 - SIRET  "
ENTETES_ENCADREMENT = (
    "0 - Salariés permanents en charge de l'encadrement technique des salariés en insertion - "
    "Nombre d'heures réalisées au cours de la période conventionnée",
    "0 - Salariés permanents en charge de l'encadrement technique des salariés en insertion - "
    "Nombre d'ETP réalisés au cours de la période conventionnée  ",
    "0 - Salariés permanents en charge de l'accompagnement socioprofessionnel - Nombre "
    "d'heures réalisées au cours de la période conventionnée",
    "0 - Salariés permanents en charge de l'accompagnement socioprofessionnel - Nombre d'ETP "
    "réalisés au cours de la période conventionnée",
    "0 - Travailleurs non salariés dans la structure (hors bénévoles) - Nombre d'heures "
    "réalisées au cours de la période conventionnée",
    "0 - Travailleurs non salariés dans la structure (hors bénévoles) - Nombre d'ETP réalisés "
    "au cours de la période conventionnée",
    "0 - Prestataires externes en charge de l'encadrement technique et de l'accompagnement "
    "socioprofessionnel - Nombre d'heures réalisées au cours de la période conventionnée  ",
    "0 - Prestataires externes en charge de l'encadrement technique et de l'accompagnement "
    "socioprofessionnel - Nombre d'ETP réalisés au cours de la période conventionnée",
)
ENTETES_PUBLICS = {
    "salaries": "2 - Nombre total des salariés en insertion ayant travaillé da",
    "hommes": "2 - Dont hommes ",
    "femmes": "2 - Dont femmes ",
    "rsa": "2 - Dont bénéficiaires du RSA ",
    "ass": "2 - Dont bénéficiaires de l'ASS ",
    "aah": "2 - Dont bénéficiaires de l'AAH ",
    "rqth": "2 - Dont nombre de personnes reconnues RQTH :",
    "zrr": "2 - Dont résidants en ZRR ",
    "qpv": "2 - Dont résidants en QPV ",
    "jeunes": "2 - Dont jeunes de moins de 26 ans :",
    "senior": "2 - Dont personnes sans emploi de 50 ans et plus :",
    "deld": "2 - Dont inscrits à Pôle emploi depuis 12 à 23 mois :",
    "detld": "2 - Dont inscrits à Pôle emploi depuis 24 mois et plus:",
    "cap_bep": "2 - Dont personnes avec un niveau CAP – BEP",
    "non_certifiante": "2 - Dont personnes avec qualifications non certifiantes",
    "infra_cap": "2 - Dont personnes avec un niveau inférieur au CAP",
    "sorties_totales": "4 - Total des sorties examinées AI ETTI EITI",
    "sorties_durables": "5 - Total des sorties dans l'emploi durable",
    "sorties_transition": "6 - Total des sorties dans l'emploi de transition",
    "sorties_positives": "7 - Total des sorties positives",
}
ENTETES_BILAN = (
    "Année",
    "Mesure",
    "Libellé Département",
    "Région",
    ENTETE_NUMERO,
    ENTETE_SIRET,
    "0 - Dénomination",
    *ENTETES_ENCADREMENT,
    *ENTETES_PUBLICS.values(),
)
PUBLICS_CANONIQUES = {
    "salaries": "nb_salaries_insertion",
    "femmes": "nb_femmes",
    "rqth": "nb_rqth",
    "zrr": "nb_residents_zrr",
    "qpv": "nb_residents_qpv",
    "jeunes": "nb_moins_26_ans",
    "senior": "nb_50_ans_et_plus",
    "deld": "nb_deld",
    "detld": "nb_detld",
    "sorties_totales": "sorties_totales",
    "sorties_durables": "sorties_emploi_durable",
    "sorties_transition": "sorties_emploi_transition",
    "sorties_positives": "sorties_positives",
}

# Colonnes de la vue « Structure » du FluxIAE.
_ADRESSE = [
    "numero_apt",
    "entree",
    "numero",
    "cplt_num_voie",
    "type_voie",
    "nom_voie",
    "cplt_adresse",
    "cp",
    "commune",
    "code_insee",
    "telephone",
]
COLONNES_STRUCTURES = (
    "structure_date_creation",
    "structure_date_modification",
    "structure_id_siae",
    "structure_siret_signature",
    "structure_siret_actualise",
    "structure_denomination",
    "structure_categorie_juridique_id",
    "structure_categorie_juridique_code",
    "structure_code_naf",
    "structure_idcc_id",
    "structure_idcc_code",
    *(f"structure_adresse_admin_{p}" for p in _ADRESSE),
    *(f"structure_adresse_gestion_{p}" for p in _ADRESSE),
    "structure_identifiant_corresp_technique",
    "structure_adresse_mail_corresp_technique",
    "structure_adresse_nom_corresp_technique",
)
TYPES_DE_VOIE = frozenset(
    ["rue", "avenue", "chemin", "place", "allée", "boulevard", "impasse", "route", "quai", "cours"]
)
PART_RENUMEROTEES = 0.15  # annexes dont le n° a changé entre N − 1 et N
PART_FDI = 0.3


@dataclass
class FichiersASP:
    """Les trois fichiers écrits, et ce que `preparer` doit en dire (tests)."""

    annexes: Path
    bilan: Path
    structures: Path
    # identifiant -> n° de l'annexe N − 1 dont le bilan est repris (n° changé)
    renumerotees: dict[str, str] = field(default_factory=dict)
    attendus: dict[str, Any] = field(default_factory=dict)


def ecrire_fichiers_asp(
    table: pd.DataFrame,
    annee: int,
    dossier: Path,
    *,
    graine: int = 2026,
    hostile: bool = False,
    compresser: bool = False,
) -> FichiersASP:
    """Écrit dans `dossier` les fichiers de l'ASP dont `preparer` doit tirer `table` (table
    canonique en texte, nombres à la virgule ; `etp_realises` n'a pas de source à l'ASP et
    n'est pas reproduite)."""
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(graine)
    horodatage = dt.datetime(annee, 2, 7, 6, 30, 4)
    generateur = _Generateur(table.fillna(""), annee, rng)
    generateur.construire()
    if hostile:
        generateur.hostile()
    suffixe = ".csv.gz" if compresser else ".csv"
    annexes = _ecrire_fluxiae(
        dossier / f"fluxIAE_AnnexeFinanciere_{horodatage:%d%m%Y_%H%M%S}{suffixe}",
        "AnnexeFinanciere",
        horodatage,
        COLONNES_ANNEXES,
        generateur.annexes,
    )
    structures = _ecrire_fluxiae(
        dossier / f"fluxIAE_Structure_{horodatage:%d%m%Y_%H%M%S}{suffixe}",
        "Structure",
        horodatage,
        COLONNES_STRUCTURES,
        generateur.structures,
    )
    bilan = _ecrire_bilan(
        dossier / f"bilan_annuel_ASP_{annee - 1}.xlsx", generateur.entetes_bilan, generateur.bilan
    )
    return FichiersASP(annexes, bilan, structures, generateur.renumerotees, generateur.attendus)


class _Generateur:
    def __init__(self, table: pd.DataFrame, annee: int, rng: np.random.Generator) -> None:
        self.table, self.annee, self.rng = table, annee, rng
        self.annexes: list[dict[str, str]] = []
        self.bilan: list[dict[str, Any]] = []
        self.structures: list[dict[str, str]] = []
        self.entetes_bilan = list(ENTETES_BILAN)
        self.renumerotees: dict[str, str] = {}
        self.attendus: dict[str, Any] = {}
        self._id_structure: dict[str, str] = {}
        self._id_ligne = 10_000

    # --- les lignes de chaque structure --------------------------------------------------------

    def construire(self) -> None:
        n = len(self.table)
        renumerotees = self.rng.random(n) < PART_RENUMEROTEES
        fdi = self.rng.random(n) < PART_FDI
        avenants = self.rng.integers(0, 3, size=n)
        for k, ligne in enumerate(self.table.to_dict("records")):
            structure = self._structure(ligne)
            self._annexes_de(ligne, structure, bool(renumerotees[k]), int(avenants[k]))
            if fdi[k]:
                self._fdi(ligne, structure, k)

    def _structure(self, ligne: dict) -> str:
        siret = ligne["siret"] or f"sans-siret-{ligne['identifiant']}"
        if siret in self._id_structure:
            return self._id_structure[siret]
        identifiant = str(100 + len(self._id_structure) * 7)
        self._id_structure[siret] = identifiant
        numero, type_voie, nom_voie = _decouper_adresse(ligne["adresse"])
        cellules = {
            "structure_date_creation": "14/03/2019 10:12:44",
            "structure_date_modification": "02/02/2026 08:01:10",
            "structure_id_siae": identifiant,
            "structure_siret_signature": ligne["siret"],
            "structure_siret_actualise": ligne["siret"],
            "structure_denomination": ligne["raison_sociale"],
            "structure_categorie_juridique_code": "9220",
        }
        for adresse in ("admin", "gestion"):
            cellules |= {
                f"structure_adresse_{adresse}_numero": numero,
                f"structure_adresse_{adresse}_type_voie": type_voie,
                f"structure_adresse_{adresse}_nom_voie": nom_voie,
                f"structure_adresse_{adresse}_cp": ligne["code_postal"],
                f"structure_adresse_{adresse}_commune": ligne["commune"],
            }
        self.structures.append(cellules)
        return identifiant

    def _annexes_de(self, ligne: dict, structure: str, renumerotee: bool, avenants: int) -> None:
        numero = numero_annexe(ligne["identifiant"])
        type_, identifiant = ligne["type"], ligne["identifiant"]
        renouvellement = 0 if renumerotee else max(1, self.annee - numero.annee)
        code = f"{type_}_{'MP' if ligne['milieu_penitentiaire'] == 'oui' else 'DC'}"
        valeurs = _valeurs_annexe(ligne)
        for modification in range(avenants + 1):
            derniere = modification == avenants
            self.annexes.append(
                self._annexe(
                    structure,
                    code,
                    identifiant,
                    renouvellement,
                    modification,
                    "VALIDE" if derniere else "HISTORISE",
                    self.annee,
                    valeurs if derniere else _autres_valeurs(valeurs, self.rng),
                )
            )
        if renumerotee:
            precedente = (
                f"{type_}{numero.departement:0>3}{(self.annee - 1) % 100:02d}"
                f"9{len(self.renumerotees):03d}"
            )
            self.renumerotees[identifiant] = precedente
            numero_bilan, renouvellement_bilan = precedente, 0
        else:
            numero_bilan, renouvellement_bilan = identifiant, renouvellement - 1
        self.annexes.append(
            self._annexe(
                structure,
                code,
                numero_bilan,
                renouvellement_bilan,
                0,
                "VALIDE",
                self.annee - 1,
                _autres_valeurs(valeurs, self.rng),
            )
        )
        self.bilan.append(self._ligne_bilan(ligne, numero_bilan, renouvellement_bilan, 1))
        if renouvellement_bilan >= 1:  # un bilan plus ancien, d'une autre année
            self.bilan.append(
                self._ligne_bilan(ligne, numero_bilan, renouvellement_bilan - 1, 2, autre=True)
            )

    def _annexe(
        self,
        structure: str,
        code: str,
        numero: str,
        renouvellement: int,
        modification: int,
        etat: str,
        annee: int,
        valeurs: dict[str, str],
    ) -> dict[str, str]:
        mesure = code.split("_")[0]
        self._id_ligne += 1
        return {
            "af_id_structure": structure,
            "af_numero_convention": f"{numero[len(mesure) : len(mesure) + 3]} 0101{numero[-6:-4]} "
            f"{mesure} {numero[-5:]}",
            "af_mesure_dispositif_id": ID_MESURES.get(mesure, ""),
            "af_mesure_dispositif_code": code,
            "af_numero_annexe_financiere": numero,
            "af_numero_avenant_renouvellement": str(renouvellement),
            "af_numero_avenant_modification": str(modification),
            "af_id_annexe_financiere": str(self._id_ligne // 3),
            "af_id_avenant_modification": str(self._id_ligne),
            "af_date_depot_dde_financement": f"15/11/{annee - 1}",
            "af_etat_annexe_financiere_id": ID_ETATS.get(etat, ""),
            "af_etat_annexe_financiere_code": etat,
            "af_indicateur_suspension": "false",
            "af_indicateur_derogation": "false",
            "af_date_debut_effet": f"01/01/{annee}",
            "af_date_fin_effet": f"31/12/{annee}",
            "af_duree_heure_annuel_etp_code": "DUR_AN_ETP",
            "af_duree_heure_annuel_etp_valeur": DUREE_ETP.get(mesure, ""),
            "af_montant_unitaire_annuel_code": "MT_AN_ETP",
            "af_date_etat_valide": f"10/01/{annee}" if etat == "VALIDE" else "",
            **valeurs,
        }

    def _ligne_bilan(
        self, ligne: dict, numero: str, renouvellement: int, recul: int, autre: bool = False
    ) -> dict[str, Any]:
        """La ligne du bilan de l'année N − `recul` (une autre année : d'autres valeurs)."""
        dep = departements()[ligne["departement"]]
        salaries = int(Decimal(ligne["nb_salaries_insertion"].replace(",", ".") or 0))
        minima = int(Decimal(ligne["nb_beneficiaires_minima"].replace(",", ".") or 0))
        rsa = int(self.rng.binomial(minima, 0.7))
        ass = int(self.rng.binomial(minima - rsa, 0.5))
        cellules: dict[str, Any] = {
            "Année": self.annee - recul,
            "Mesure": ligne["type"],
            "Libellé Département": sans_accents(dep.nom).upper(),
            "Région": sans_accents(dep.region).upper(),
            ENTETE_NUMERO: f"{_avec_espaces(numero)} A{renouvellement}M0",
            ENTETE_SIRET: ligne["siret"],
            "0 - Dénomination": ligne["raison_sociale"].upper(),
            ENTETES_PUBLICS["rsa"]: rsa,
            ENTETES_PUBLICS["ass"]: ass,
            ENTETES_PUBLICS["aah"]: minima - rsa - ass,
            ENTETES_PUBLICS["cap_bep"]: int(self.rng.binomial(salaries, 0.3)),
            ENTETES_PUBLICS["non_certifiante"]: int(self.rng.binomial(salaries, 0.2)),
            ENTETES_PUBLICS["infra_cap"]: int(self.rng.binomial(salaries, 0.3)),
        }
        for cle, colonne in PUBLICS_CANONIQUES.items():
            texte = ligne.get(colonne, "")
            cellules[ENTETES_PUBLICS[cle]] = int(Decimal(texte.replace(",", "."))) if texte else ""
        femmes = cellules[ENTETES_PUBLICS["femmes"]]
        cellules[ENTETES_PUBLICS["hommes"]] = salaries - femmes if femmes != "" else ""
        etp = Decimal(ligne["etp_encadrement"].replace(",", ".") or 0)
        for j, entete in enumerate(ENTETES_ENCADREMENT):
            part = etp * Decimal("0.6" if j < 2 else "0.4" if j < 4 else "0")
            cellules[entete] = float(part * 1607) if j % 2 == 0 else float(part)
        if autre:
            for cle in ("salaries", "sorties_totales", "rsa"):
                valeur = cellules[ENTETES_PUBLICS[cle]]
                cellules[ENTETES_PUBLICS[cle]] = valeur + 3 if valeur != "" else 3
        return cellules

    def _fdi(self, ligne: dict, structure: str, k: int) -> None:
        dep = numero_annexe(ligne["identifiant"]).departement
        numero = f"FDI{dep:0>3}{self.annee % 100:02d}{(5000 + k) % 10_000:04d}"
        self.annexes.append(
            self._annexe(structure, "FDI_DC", numero, 0, 0, "VALIDE", self.annee, {})
            | {"af_mt_total_aide": "6844.50", "af_indic_perimetre_milieu_penitentiaire": "false"}
        )

    # --- ce qui doit être écarté, listé ou signalé ----------------------------------------------

    def hostile(self) -> None:
        """Cas qui doivent finir parmi les écartées, le rapprochement ou les valeurs à vérifier,
        chacun noté dans `attendus`."""
        premiere = self.table.iloc[0].to_dict()
        structure = self._id_structure[premiere["siret"]]
        dep = numero_annexe(premiere["identifiant"]).departement
        annee = self.annee
        # contrats passerelle et annexe d'une autre année
        for mesure, ordre in (("EIPA", 7001), ("ACIPA", 7002)):
            self.annexes.append(
                self._annexe(
                    structure,
                    f"{mesure}_DC",
                    f"{mesure}{dep:0>3}{annee % 100:02d}{ordre}",
                    0,
                    0,
                    "VALIDE",
                    annee,
                    {"af_montant_total_annuel": "12000.00"},
                )
            )
        self.annexes.append(
            self._annexe(
                structure,
                "ACI_DC",
                f"ACI{dep:0>3}{(annee - 3) % 100:02d}7003",
                0,
                0,
                "CLOTURE",
                annee - 3,
                {"af_montant_total_annuel": "150000.00"},
            )
        )
        # ligne répétée à l'identique, et modification saisie mais pas encore validée
        retenue = next(
            a
            for a in self.annexes
            if a["af_numero_annexe_financiere"] == premiere["identifiant"]
            and a["af_etat_annexe_financiere_code"] == "VALIDE"
            and a["af_date_debut_effet"].endswith(str(annee))
        )
        self.annexes.append(dict(retenue))
        self.annexes.append(
            retenue
            | {
                "af_numero_avenant_modification": "9",
                "af_etat_annexe_financiere_code": "SAISI",
                "af_etat_annexe_financiere_id": ID_ETATS["SAISI"],
                "af_montant_total_annuel": "999999.99",
            }
        )
        # annexe sans structure dans le FluxIAE des structures, et structure sans annexe
        orpheline = self.table.iloc[1]["identifiant"]
        for annexe in self.annexes:
            if annexe["af_numero_annexe_financiere"] == orpheline:
                annexe["af_id_structure"] = "999999"
        self.structures.append(
            {
                "structure_id_siae": "888888",
                "structure_siret_actualise": "12345678900017",
                "structure_denomination": "STRUCTURE SANS ANNEXE",
            }
        )
        # ligne du bilan sans annexe, et bénéficiaires de minima plus nombreux que les salariés
        self.bilan.append(
            self._ligne_bilan(premiere, f"ACI{dep:0>3}{(annee - 2) % 100:02d}7004", 1, 1)
        )
        troisieme = self.table.iloc[2]["identifiant"]
        numero_bilan = self.renumerotees.get(troisieme, troisieme)
        ligne_bilan = next(
            b
            for b in self.bilan
            if b[ENTETE_NUMERO].replace(" ", "").startswith(numero_bilan)
            and b["Année"] == annee - 1
        )
        ligne_bilan[ENTETES_PUBLICS["aah"]] = ligne_bilan[ENTETES_PUBLICS["salaries"]] + 1
        # colonne inconnue et en-tête coupé autrement
        self.entetes_bilan.append("3 - Nombre d'heures de formation (colonne inventée)")
        for cellules in self.bilan:
            cellules["3 - Nombre d'heures de formation (colonne inventée)"] = 12
        ancien = ENTETES_PUBLICS["sorties_totales"]
        coupe = "4 - Total des sorties exam"
        self.entetes_bilan[self.entetes_bilan.index(ancien)] = coupe
        for cellules in self.bilan:
            cellules[coupe] = cellules.pop(ancien)
        self.attendus = {
            "passerelle": 2,
            "autre_annee": f"ACI{dep:0>3}{(annee - 3) % 100:02d}7003",
            "doublon": premiere["identifiant"],
            "saisi": premiere["identifiant"],
            "sans_structure": orpheline,
            "structure_sans_annexe": "888888",
            "bilan_sans_annexe": f"ACI{dep:0>3}{(annee - 2) % 100:02d}7004",
            "minima_superieurs": troisieme,
            "colonne_inconnue": "3 - Nombre d'heures de formation (colonne inventée)",
        }


def _valeurs_annexe(ligne: dict) -> dict[str, str]:
    """Les colonnes du FluxIAE qui donnent les valeurs de la table (point décimal)."""

    def point(colonne: str) -> str:
        return ligne.get(colonne, "").replace(",", ".")

    cofinancement = point("dont_cofinancement_cd")
    return {
        "af_etp_postes_insertion": point("etp_conventionnes"),
        "af_montant_total_annuel": point("montant_socle"),
        "af_mt_cofinance": cofinancement,
        "af_indic_cofinancement": "true" if cofinancement and Decimal(cofinancement) else "false",
        "af_indic_perimetre_milieu_penitentiaire": "true"
        if ligne["milieu_penitentiaire"] == "oui"
        else "false",
        "af_etp_encadrement_tech_accomp_sociop_annee_prec": point("etp_encadrement"),
        "af_etp_trava_non_salaries": "0.00",
        "af_etp_presta_ext_enca_tech_accomp_sociopa_annee_prec": "0.00",
        "af_etp_pers_agrees_pole_emploi_iae_annee_prec": point("etp_insertion"),
    }


def _autres_valeurs(valeurs: dict[str, str], rng: np.random.Generator) -> dict[str, str]:
    """Les valeurs d'un avenant plus ancien ou de l'année précédente : autres montants."""
    autres = dict(valeurs)
    for colonne in ("af_montant_total_annuel", "af_etp_postes_insertion"):
        if autres[colonne]:
            facteur = Decimal(str(round(float(rng.uniform(0.85, 0.98)), 2)))
            autres[colonne] = str((Decimal(autres[colonne]) * facteur).quantize(Decimal("0.01")))
    return autres


def _avec_espaces(numero: str) -> str:
    """« ACI051230010 » -> « ACI 051 23 0010 » (comme l'affiche le bilan)."""
    annexe = numero_annexe(numero)
    mesure = annexe.mesure
    return f"{mesure} {numero[len(mesure) : len(mesure) + 3]} {numero[-6:-4]} {numero[-4:]}"


def _decouper_adresse(adresse: str) -> tuple[str, str, str]:
    """« 14 chemin des Maraîchers » -> (« 14 », « chemin », « des Maraîchers »)."""
    mots = adresse.split()
    numero = mots.pop(0) if mots and mots[0].isdigit() else ""
    type_voie = mots.pop(0) if mots and mots[0].casefold() in TYPES_DE_VOIE else ""
    return numero, type_voie, " ".join(mots)


def _ecrire_fluxiae(
    chemin: Path, vue: str, horodatage: dt.datetime, colonnes, lignes: list[dict[str, str]]
) -> Path:
    """Un FluxIAE : ligne `DEB<vue><jjmmaaaa>_<hhmmss>`, en-tête, lignes, `FIN<n>`, séparateur
    `|`, fins de ligne Windows comme les fichiers déposés par l'ASP."""
    largeur = len(colonnes) - 1
    texte = "\r\n".join(
        [
            f"DEB{vue}{horodatage:%d%m%Y_%H%M%S}" + "|" * largeur,
            "|".join(colonnes),
            *("|".join(ligne.get(c, "") for c in colonnes) for ligne in lignes),
            f"FIN{len(lignes)}" + "|" * largeur,
            "",
        ]
    )
    octets = texte.encode("utf-8")
    chemin.write_bytes(gzip.compress(octets, mtime=0) if chemin.suffix == ".gz" else octets)
    return chemin


def _ecrire_bilan(chemin: Path, entetes: list[str], lignes: list[dict[str, object]]) -> Path:
    """Le bilan annuel : une feuille, en-têtes en ligne 1, nombres en cellules numériques."""
    with xlsxwriter.Workbook(str(chemin), {"constant_memory": True}) as classeur:
        feuille = classeur.add_worksheet("Extraction")
        feuille.write_row(0, 0, entetes)
        for i, ligne in enumerate(lignes, start=1):
            for j, entete in enumerate(entetes):
                valeur = ligne.get(entete, "")
                if isinstance(valeur, int | float) and not isinstance(valeur, bool):
                    feuille.write_number(i, j, valeur)
                elif valeur != "":
                    feuille.write_string(i, j, str(valeur))
    return chemin
