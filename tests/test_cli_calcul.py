"""`iae-modulation calculer` et `demo` de bout en bout, comme un agent les lancerait."""

from __future__ import annotations

import json
import re
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml
from aides import DEMO, DONNEES, calculer, empreinte, grand_livre
from iae_modulation.classeur_resultats import ENTETES
from iae_modulation.cli import main
from iae_modulation.documents.notifications import nom_fichier_notification
from iae_modulation.resultats import COLONNES_RESULTATS, lire_grand_livre


@pytest.fixture(scope="module")
def campagne_demo(tmp_path_factory) -> Path:
    sortie = tmp_path_factory.mktemp("calcul") / "resultats"
    code = calculer(sortie, 2026, "--enveloppes", str(DEMO / "enveloppes_demo.csv"))
    assert code == 0
    return sortie


def test_resultats_csv_une_ligne_par_structure(campagne_demo: Path) -> None:
    resultats = grand_livre(campagne_demo / "resultats.csv")
    brut = (campagne_demo / "resultats.csv").read_bytes()
    assert brut.startswith(b"\xef\xbb\xbf")  # BOM : Excel ouvre le fichier en UTF-8
    assert brut.splitlines()[0].decode("utf-8-sig") == ";".join(COLONNES_RESULTATS)
    assert len(resultats) == 40
    assert resultats["identifiant"].is_unique
    assert all(Decimal(0) <= t <= Decimal("0.1") for t in resultats["taux_calcule"])
    assert all(Decimal(0) <= t <= Decimal("0.1") for t in resultats["taux_effectif"])
    # l'enveloppe de démonstration (295 600,00 €) n'est pas dépassée
    assert sum(resultats["montant_module"], Decimal(0)) <= Decimal("295600.00")


def test_resultats_xlsx_pour_les_agents(campagne_demo: Path) -> None:
    classeur = openpyxl.load_workbook(campagne_demo / "resultats.xlsx")
    assert classeur.sheetnames == ["Résultats", "Justifications", "Synthèse", "Répartition"]
    feuille = classeur["Résultats"]
    entetes = [c.value for c in feuille[1]]
    # l'ordre du grand livre, la justification et les anomalies (longues) à la fin
    a_part = ("justification", "anomalies")
    ordre = [c for c in COLONNES_RESULTATS if c not in a_part] + list(a_part)
    assert entetes == [ENTETES[c] for c in ordre]
    assert feuille.freeze_panes == "B2"
    assert feuille.max_row == 41
    taux = entetes.index("Taux calculé") + 1
    assert feuille.cell(2, taux).number_format == "0.00%"
    assert "€" in feuille.cell(2, entetes.index("Montant net à verser") + 1).number_format
    assert classeur["Répartition"]._charts, "le graphique de répartition des taux manque"


def test_manifeste_trace_entrees_parametres_et_sorties(campagne_demo: Path) -> None:
    manifeste = json.loads((campagne_demo / "manifeste.json").read_text(encoding="utf-8"))
    entrees = {e["role"]: e["sha256"] for e in manifeste["entrees"]}
    assert entrees["donnees"] == empreinte(DEMO / "donnees_demo.csv")
    sorties = {s["fichier"]: s["sha256"] for s in manifeste["sorties"]}
    assert sorties["resultats.csv"] == empreinte(campagne_demo / "resultats.csv")
    noms = {p["nom"] for p in manifeste["parametres"]}
    assert {"poids_publics", "poids_effort", "poids_resultats", "taux_modulation_max"} <= noms
    assert manifeste["options"] == {
        "annee": 2026,
        "methode": {
            "nom": "Méthode par défaut (note DGEFP n° 2014-04)",
            "origine": "défaut",
            "notation": "rang",
            "poids": None,
            "sens": {},
            "plafond": None,
            "groupes": "region",
            "repartition": "plafond",
            "taux_moyen": None,
            "description": "",
            "fichier": None,
            "contenu": None,
            "sha256": None,
            # poids et plafond en vigueur en 2026 (note 2014-04, arrêtés) : ceux du grand livre
            "appliquee": {
                "poids": {"publics": "0.35", "effort": "0.40", "resultats": "0.25"},
                "plafond": "0.10",
            },
        },
        "enveloppes": {"Grand Est": "295600.00"},
    }


def test_entree_invalide_code_2_rapport_et_aucun_resultat(tmp_path: Path, capsys) -> None:
    donnees = tmp_path / "donnees.csv"
    donnees.write_text(
        "identifiant;type;departement;montant_socle\nEI054140001;EIX;54;1000\n", encoding="utf-8"
    )
    avant = empreinte(donnees)
    code = main(["calculer", str(donnees), "--annee", "2014", "--sortie", str(tmp_path / "s")])
    assert code == 2
    sortie = capsys.readouterr().out
    assert "donnees.csv, ligne 2, colonne « type » : « EIX » n'est pas un type de SIAE" in sortie
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "anomalies.xlsx",
        "manifeste.json",
    ]
    feuille = openpyxl.load_workbook(tmp_path / "s" / "anomalies.xlsx").active
    fichier, _feuille, ligne, colonne, valeur = [c.value for c in feuille[2]][:5]
    assert (fichier, ligne, colonne, valeur) == ("donnees.csv", 2, "type", "EIX")
    assert empreinte(donnees) == avant


def test_un_dossier_existant_n_est_pas_ecrase(campagne_demo: Path, capsys) -> None:
    avant = empreinte(campagne_demo / "resultats.csv")
    code = calculer(campagne_demo, 2026, "--methode", "minmax")
    assert code == 2
    assert "existe déjà" in capsys.readouterr().out
    assert empreinte(campagne_demo / "resultats.csv") == avant


def test_methode_minmax_et_ecraser(tmp_path: Path) -> None:
    sortie = tmp_path / "r"
    arguments = [
        "calculer",
        str(DEMO / "donnees_demo.csv"),
        "--annee",
        "2026",
        "--sortie",
        str(sortie),
    ]
    assert main(arguments) == 0
    assert main([*arguments, "--methode", "minmax", "--ecraser"]) == 0
    resultats = grand_livre(sortie / "resultats.csv")
    assert set(resultats["notation"]) == {"minmax"}
    assert set(resultats["methode"]) == {"Méthode par défaut (note DGEFP n° 2014-04)"}
    # 2026 : l'ACI en détention est classée avec les autres ACI, sous son plafond de 5 %
    assert set(resultats["motif_taux"]) == {"classement", "milieu pénitentiaire, plafond"}


DEMO_DOREE = Path(__file__).parent / "cas" / "demo_2026.yaml"


def euros(montant: Decimal) -> str:
    """« 31 462,37 » : le montant tel que le rapprochement l'affiche."""
    return f"{montant:,.2f}".replace(",", " ").replace(".", ",")


def texte_docx(chemin: Path) -> str:
    with zipfile.ZipFile(chemin) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml).replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.lent
def test_demo_complete_et_rapprochee(tmp_path: Path, capsys) -> None:
    """La démonstration entière (fichiers de l'ASP, preparer, calculer, annexe 5, lettres,
    rapprocher) paie les montants du cas doré tests/cas/demo_2026.yaml : chaque structure du
    grand livre, chaque total département × mesure des décisions ASP et des lettres, et la
    lettre des trois structures vérifiées à la main."""
    assert main(["demo", "--sortie", str(tmp_path / "demo")]) == 0
    texte = capsys.readouterr().out.replace("\u00a0", " ").replace("\u202f", " ")
    cas = yaml.safe_load(DEMO_DOREE.read_text("utf-8"))
    livre = {
        ligne["identifiant"]: ligne
        for ligne in lire_grand_livre(tmp_path / "demo" / "calcul" / "resultats.csv").lignes
    }
    assert sorted(livre) == sorted(cas["attendu"])
    totaux: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for identifiant, attendu in cas["attendu"].items():
        ligne = livre[identifiant]
        for colonne, valeur in attendu.items():
            assert ligne[colonne] == Decimal(valeur), (identifiant, colonne)
        assert ligne["montant_net"] == Decimal(attendu["montant_module"])  # sans régularisation
        totaux[(ligne["departement"], ligne["type"])].append(Decimal(attendu["montant_module"]))
    # une ligne du rapprochement par département et mesure : grand livre, décisions, lettres
    for (departement, mesure), montants in totaux.items():
        somme = rf"{len(montants)} ·\s+{euros(sum(montants))} €"
        assert re.search(
            rf"^{departement}\s+{mesure}\s+{somme}\s+{somme}\s+{somme}$", texte, re.MULTILINE
        ), (departement, mesure)
    total = euros(sum((sum(m) for m in totaux.values()), Decimal(0)))
    assert re.search(rf"^Total\s+{total} €\s+{total} €\s+{total} €$", texte, re.MULTILINE)
    assert "Concordant : chaque structure du grand livre a une ligne" in texte
    assert "fictive(s) de la démonstration" not in texte  # la démo les attend
    for extrait in cas["resume"]:
        assert extrait in texte, extrait
    lettres = tmp_path / "demo" / "notifications"
    for identifiant, montant in (
        ("ACI051230010", "13 871,24 €"),
        ("ACI054250026", "5 232,04 €"),
        ("EI054250018", "5 260,53 €"),
    ):
        lettre = lettres / nom_fichier_notification(livre[identifiant])
        assert montant in texte_docx(lettre), identifiant
    assert (tmp_path / "demo" / "rapprochement.xlsx").exists()


def test_versement_2014_inconnu_refuse_avec_sa_ligne(tmp_path: Path, capsys) -> None:
    donnees = tmp_path / "donnees.csv"
    donnees.write_text(
        "identifiant;type;departement;montant_socle;etp_conventionnes;etp_realises\n"
        "EI054150001;EI;54;6000;4;3\n",
        encoding="utf-8",
    )
    versements = tmp_path / "versements.csv"
    versements.write_text(
        "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
        "EI054150001;2000,00;4;3\nEI054159999;10;1;1\n",
        encoding="utf-8",
    )
    code = main(
        [
            "calculer",
            str(donnees),
            "--annee",
            "2015",
            "--versements-2014",
            str(versements),
            "--sortie",
            str(tmp_path / "s"),
        ]
    )
    assert code == 2
    assert "versements.csv, ligne 3, colonne « identifiant » : Versement 2014 de EI054159999" in (
        capsys.readouterr().out
    )


def test_versement_2014_invraisemblable_bornes_des_deux_cotes(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """Montant socle 6 000 € : au taux forfaitaire de 2014 (5 %), 300 € ; le centième, 3,00 €,
    n'est pas signalé, 2,99 € l'est ; au plafond de 2015 (10 %), 600,00 € ne l'est pas,
    600,01 € l'est. Le seuil bas suit le taux forfaitaire de 2014 (paramètre daté), pas le
    taux moyen des enveloppes (TAUX_MOYEN_ATTENDU, une autre vraisemblance)."""
    monkeypatch.setattr("iae_modulation.campagne.TAUX_MOYEN_ATTENDU", Decimal("0.5"))
    entete = (
        "identifiant;type;departement;montant_socle;etp_conventionnes;etp_realises;"
        "nb_salaries_insertion;nb_beneficiaires_minima;etp_encadrement;etp_insertion;"
        "sorties_totales;sorties_emploi_durable;sorties_emploi_transition;sorties_positives\n"
    )
    donnees = tmp_path / "donnees.csv"
    donnees.write_text(
        entete + "".join(f"EI05415000{i};EI;54;6000;5;5;6;3;1;3;2;1;0;0\n" for i in range(1, 5)),
        encoding="utf-8",
    )
    versements = tmp_path / "versements.csv"
    versements.write_text(
        "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
        "EI054150001;2,99;4;4\nEI054150002;3,00;4;4\n"
        "EI054150003;600,00;4;4\nEI054150004;600,01;4;4\n",
        encoding="utf-8",
    )
    options = ["--annee", "2015", "--versements-2014", str(versements)]
    code = main(["calculer", str(donnees), *options, "--sortie", str(tmp_path / "s")])
    assert code == 0
    sortie = capsys.readouterr().out.replace("\N{NO-BREAK SPACE}", " ")  # espaces insécables
    remarques = [ligne for ligne in sortie.splitlines() if "versements.csv" in ligne]
    assert remarques == [
        "Remarque : (avertissement) versements.csv, ligne 2, colonne « identifiant » : "
        "versement 2014 très faible : 2,99 € pour EI054150001, plus de 100 fois moins que 5 % "
        "de son montant socle (6 000,00 €), le taux forfaitaire de 2014 : faute de frappe "
        "probable (la régularisation le prend tel quel).",
        "Remarque : (avertissement) versements.csv, ligne 5, colonne « identifiant » : "
        "versement 2014 de 600,01 € pour EI054150004, plus que 10 % de son montant socle "
        "(6 000,00 €), le plus qu'un montant modulé puisse atteindre : faute de frappe probable "
        "(la régularisation le prend tel quel).",
    ]


def test_enveloppe_sans_structure_signalee_sans_bloquer(tmp_path: Path, capsys) -> None:
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nGrand Est;295600\nBretagne;1000\n", encoding="utf-8")
    sortie = tmp_path / "s"
    code = calculer(sortie, 2026, "--enveloppes", str(enveloppes))
    assert code == 0
    assert (sortie / "resultats.csv").exists()
    assert (
        "enveloppes.csv, ligne 3, colonne « region » : Aucune structure de la région "
        "Bretagne" in capsys.readouterr().out
    )


def test_structures_fictives_de_la_demonstration_dites_par_calculer(tmp_path, capsys) -> None:
    """Comme le classeur : des structures fictives de la démonstration dans les données sont
    signalées en dernière ligne du résumé ; le calcul aboutit (code 0)."""
    assert calculer(tmp_path / "s", 2026) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Attention : 40 structure(s) fictive(s) de la démonstration (ex. ACI051230010) sont "
        f"dans le calcul : remplacez-les, dans {DONNEES}, par vos structures avant toute "
        "décision ou notification."
    )
    donnees = tmp_path / "donnees.csv"  # les mêmes structures, sous d'autres identifiants
    texte = re.sub("^(?=[A-Z])", "X", DONNEES.read_text(encoding="utf-8-sig"), flags=re.M)
    donnees.write_text(texte, encoding="utf-8")
    assert calculer(tmp_path / "t", 2026, donnees=donnees) == 0
    assert "fictive(s) de la démonstration" not in capsys.readouterr().out


def test_enveloppe_vide_dit_la_region_et_quoi_faire(tmp_path: Path, capsys) -> None:
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nGrand Est; \n", encoding="utf-8")
    assert calculer(tmp_path / "s", 2026, "--enveloppes", str(enveloppes)) == 2
    assert (
        "enveloppes.csv, ligne 2, colonne « enveloppe » : enveloppe vide pour la région Grand "
        "Est : indiquez un montant, ou retirez la ligne." in capsys.readouterr().out.splitlines()
    )


def test_calcul_refuse_ne_dit_rien_d_une_enveloppe_inutilisee(tmp_path: Path, capsys) -> None:
    """Données refusées (colonne « type » absente) avec les enveloppes de la démonstration :
    le refus ne prétend pas que la région n'a aucune structure."""
    donnees = tmp_path / "donnees.csv"
    texte = DONNEES.read_text(encoding="utf-8-sig")
    donnees.write_text(texte.replace(";type;", ";typ;", 1), encoding="utf-8")
    enveloppes = str(DEMO / "enveloppes_demo.csv")
    options = ["--annee", "2026", "--enveloppes", enveloppes, "--sortie", str(tmp_path / "s")]
    assert main(["calculer", str(donnees), *options]) == 2
    sortie = capsys.readouterr().out
    assert "Données invalides : 1 problème(s) bloquant(s)" in sortie
    assert "Aucune structure de la région" not in sortie
    assert "enveloppes_demo.csv" not in sortie


def test_fichier_vide_une_seule_anomalie(tmp_path: Path, capsys) -> None:
    vide = tmp_path / "vide.csv"
    vide.write_bytes(b"")
    assert main(["calculer", str(vide), "--annee", "2026", "--sortie", str(tmp_path / "s")]) == 2
    sortie = capsys.readouterr().out
    assert "vide.csv : le fichier est vide (ni en-tête ni données)." in sortie
    assert "1 problème(s) bloquant(s)" in sortie


def test_erreurs_d_options_en_francais(capsys) -> None:
    with pytest.raises(SystemExit) as sortie:
        main(["calculer", "x.csv", "--annee", "2026", "--methode", "moyenne", "--sortie", "s"])
    assert sortie.value.code == 2
    erreur = capsys.readouterr().err
    assert "erreur" in erreur and "choix invalide : 'moyenne'" in erreur


def test_milieu_penitentiaire_avant_2017_refuse_en_nommant_la_structure(tmp_path, capsys) -> None:
    code = calculer(tmp_path / "s", 2015)
    assert code == 2
    sortie = capsys.readouterr().out
    refus = "ACI054250026 : structure en milieu pénitentiaire refusée pour la campagne 2015"
    assert refus in sortie
    assert "décret n° 2016-531" in sortie
    # comme une ligne invalide : le rapport seul, avec la ligne et la colonne
    assert not (tmp_path / "s" / "resultats.csv").exists()
    assert (tmp_path / "s" / "anomalies.xlsx").is_file()


def test_region_d_enveloppe_inconnue_liste_les_regions(tmp_path: Path, capsys) -> None:
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nAtlantide;1000\n", encoding="utf-8")
    code = calculer(tmp_path / "s", 2026, "--enveloppes", str(enveloppes))
    assert code == 2
    assert "« Atlantide » n'est pas reconnu (régions : Auvergne-Rhône-Alpes," in (
        capsys.readouterr().out
    )


def test_demo_ne_touche_pas_un_dossier_de_l_agent(tmp_path: Path, capsys) -> None:
    (tmp_path / "budget.xlsx").write_bytes(b"a garder")
    assert main(["demo", "--sortie", str(tmp_path)]) == 2
    assert "contient autre chose qu'une démonstration (budget.xlsx)" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["budget.xlsx"]


def test_montant_socle_invraisemblable_signale_sans_bloquer(tmp_path: Path) -> None:
    donnees = tmp_path / "donnees.csv"
    donnees.write_text(
        "identifiant;type;departement;montant_socle;etp_conventionnes\n"
        "ACI054140001;ACI;54;12500 €;9\nACI054140002;ACI;54;86400;9\n",
        encoding="utf-8",
    )
    sortie = tmp_path / "s"
    assert main(["calculer", str(donnees), "--annee", "2014", "--sortie", str(sortie)]) == 0
    resultats = grand_livre(sortie / "resultats.csv").set_index("identifiant")
    # 9 ETP × 19 200 € × 6/12 = 86 400 € attendus en 2014 pour un ACI
    assert (
        "montant socle de 12\u00a0500,00 € éloigné de 9,00 ETP × 19\u00a0200 € = 86\u00a0400,00 €"
        in (resultats.at["ACI054140001", "anomalies"])
    )
    assert resultats.at["ACI054140002", "anomalies"] == ""
    assert resultats.at["ACI054140001", "montant_module"] == Decimal("625.00")


def test_socle_de_repli_dit_quelle_valeur_de_l_annee_il_retient(tmp_path: Path) -> None:
    """2022 : trois montants socles EI (1er janvier, 1er mai, 1er août). Sans montant_socle, le
    repli prend celui du 1er janvier et le dit, avec les valeurs non retenues, dans la colonne
    « anomalies » et dans le manifeste."""
    donnees = tmp_path / "donnees.csv"
    donnees.write_text(
        "identifiant;type;departement;etp_conventionnes;nb_salaries_insertion;"
        "nb_beneficiaires_minima;etp_encadrement;etp_insertion;sorties_totales;"
        "sorties_emploi_durable;sorties_emploi_transition;sorties_positives\n"
        "EI054220001;EI;54;2;4;2;1;2;2;1;0;0\n",
        encoding="utf-8",
    )
    sortie = tmp_path / "s"
    assert main(["calculer", str(donnees), "--annee", "2022", "--sortie", str(sortie)]) == 0
    ligne = grand_livre(sortie / "resultats.csv").iloc[0]
    assert ligne["montant_socle"] == Decimal("22174.00")  # 2 ETP × 11 087 €
    assert (
        "(valeur au 01/01/2022 ; non retenue : 11\u00a0381 € au 01/05/2022, 11\u00a0609 € au "
        "01/08/2022)"
    ) in ligne["anomalies"]
    manifeste = json.loads((sortie / "manifeste.json").read_text(encoding="utf-8"))
    (socle,) = [p for p in manifeste["parametres"] if p["nom"] == "montant_socle_ei"]
    assert socle["debut"] == "2022-01-01"
    assert socle["repli"]["valeurs_de_l_annee_non_retenues"] == [
        {"debut": "2022-05-01", "valeur": "11381"},
        {"debut": "2022-08-01", "valeur": "11609"},
    ]
    assert socle["repli"]["regle"].startswith("valeur en vigueur au 1er janvier")


def test_remarque_de_socle_d_un_classeur_nomme_sa_feuille(tmp_path: Path, capsys) -> None:
    """Données en .xlsx (feuille « Données ») : la remarque sur un socle éloigné de ETP ×
    socle par ETP nomme le fichier, la feuille, la ligne et la colonne."""
    lignes = DONNEES.read_text(encoding="utf-8-sig").splitlines()
    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.title = "Données"
    for numero, ligne in enumerate(lignes[:3]):
        cellules = ligne.split(";")
        if numero == 1:  # ACI051230010 : 9,01 ETP, socle de 21 552,83 € au lieu de 215 528,21 €
            entete = lignes[0].split(";")
            cellules[entete.index("montant_socle")] = "21552,83"
            cellules[entete.index("dont_cofinancement_cd")] = "0"
        feuille.append(cellules)
    classeur.save(tmp_path / "donnees.xlsx")
    assert calculer(tmp_path / "s", 2026, donnees=tmp_path / "donnees.xlsx") == 0
    assert (
        "donnees.xlsx, feuille « Données », ligne 2, colonne « montant_socle » : montant socle de "
        "21 552,83 € éloigné de 9,01 ETP × 23 921 € = 215 528,21 € : à vérifier"
    ) in capsys.readouterr().out.replace("\u00a0", " ")


def test_refus_des_regles_de_la_date_dans_un_classeur(tmp_path: Path, capsys) -> None:
    """Données en .xlsx pour 2014 : EITI (pas avant 2019), ETTI en détention (EI et ACI
    seulement) et ACI en détention (pas avant le décret n° 2016-531) refusées, chacune avec son
    fichier, sa feuille, sa ligne, sa colonne, sa valeur et son motif (anomalies.xlsx)."""
    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.title = "Données"
    feuille.append(["identifiant", "type", "departement", "montant_socle", "milieu_penitentiaire"])
    feuille.append(["EI067140001", "EI", "67", "100000", "non"])
    feuille.append(["EITI067140002", "EITI", "67", "30000", "non"])
    feuille.append(["ETTI067140003", "ETTI", "67", "50000", "oui"])
    feuille.append(["ACI067140004", "ACI", "67", "200000", "oui"])
    classeur.save(tmp_path / "donnees.xlsx")
    assert calculer(tmp_path / "s", 2014, donnees=tmp_path / "donnees.xlsx") == 2
    eiti = (
        "EITI067140002 : EITI refusée pour la campagne 2014 : Pas d'EITI avant l'article 83 de "
        "la loi n° 2018-771 du 5 septembre 2018 et le décret n° 2018-1198 du 20 décembre 2018 "
        "(JORF du 22 décembre 2018), dont la première aide est fixée à compter du 1er janvier "
        "2019 (arrêté du 27 février 2019) : aucune campagne EITI avant 2019."
    )
    etti = (
        "ETTI067140003 : seules les EI et les ACI s'implantent en établissement pénitentiaire "
        "(décret n° 2016-531 du 27 avril 2016) ; vérifiez le type ou la colonne "
        "milieu_penitentiaire."
    )
    aci = (
        "ACI067140004 : structure en milieu pénitentiaire refusée pour la campagne 2014 : Pas de "
        "SIAE en établissement pénitentiaire avant le décret n° 2016-531 du 27 avril 2016, entré "
        "en vigueur le 1er mai 2016 (notice lue : il « ouvre la possibilité aux personnes "
        "détenues d'accéder aux dispositifs de l'insertion par l'activité économique » des EI et "
        "des ACI)."
    )
    sortie = capsys.readouterr().out
    assert f"donnees.xlsx, feuille « Données », ligne 3, colonne « type » : {eiti}" in sortie
    assert (
        f"donnees.xlsx, feuille « Données », ligne 4, colonne « milieu_penitentiaire » : {etti}"
    ) in sortie
    assert (
        f"donnees.xlsx, feuille « Données », ligne 5, colonne « milieu_penitentiaire » : {aci}"
    ) in sortie
    rapport = openpyxl.load_workbook(tmp_path / "s" / "anomalies.xlsx").active
    assert [list(ligne) for ligne in rapport.iter_rows(min_row=2, values_only=True)] == [
        ["donnees.xlsx", "Données", 3, "type", "EITI", eiti, "oui"],
        ["donnees.xlsx", "Données", 4, "milieu_penitentiaire", "oui", etti, "oui"],
        ["donnees.xlsx", "Données", 5, "milieu_penitentiaire", "oui", aci, "oui"],
    ]
