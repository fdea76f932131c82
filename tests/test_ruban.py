"""Le ruban « IAE Modulation » (xl/customUI14.xml) et ses rappels VBA (xl/vba/*.bas)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import macros, paquet, projet_vba

XL = Path(__file__).resolve().parents[1] / "xl"
ESPACE = {"ui": paquet.ESPACE_RUBAN}


def ruban() -> ET.Element:
    return ET.parse(XL / "customUI14.xml").getroot()


def sources_vba() -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted((XL / "vba").glob("*.bas")))


def test_ruban_bien_forme_dans_l_espace_de_noms_2009():
    racine = ruban()
    assert racine.tag == f"{{{paquet.ESPACE_RUBAN}}}customUI"
    identifiants = [e.get("id") for e in racine.iter() if e.get("id")]
    assert len(identifiants) == len(set(identifiants))


def test_onglet_et_groupes_en_francais():
    (onglet,) = ruban().findall(".//ui:tab", ESPACE)
    assert onglet.get("label") == "IAE Modulation"
    groupes = [g.get("label") for g in onglet.findall("ui:group", ESPACE)]
    assert groupes == ["Données", "Calcul", "Documents", "Aide"]
    libelles = {b.get("label") for b in onglet.iter(f"{{{paquet.ESPACE_RUBAN}}}button")}
    assert {
        "Vérifier les données",
        "Calculer la modulation",
        "Générer décision ASP",
        "Générer les notifications",
        "Ouvrir le dossier de sortie",
    } <= libelles
    assert all(b.get("imageMso") for b in onglet.iter(f"{{{paquet.ESPACE_RUBAN}}}button"))


def test_chaque_onaction_a_sa_sub_a_un_parametre_controle():
    vba = sources_vba()
    for bouton in ruban().iter(f"{{{paquet.ESPACE_RUBAN}}}button"):
        sub = bouton.get("onAction")
        motif = rf"^Public Sub {re.escape(sub)}\(control As (Object|IRibbonControl)\)$"
        assert re.search(motif, vba, re.MULTILINE), f"Sub {sub}(control As Object) absente"


def test_chaque_cible_runpython_existe_et_est_une_action_du_ruban():
    cibles = re.findall(
        r'Lancer "[^"]+", "import (iae_modulation\.excel\.macros) as m; m\.(\w+)\(\)"',
        sources_vba(),
    )
    assert len(cibles) == 7
    for module, fonction in cibles:
        assert module == macros.__name__
        assert getattr(macros, fonction) in macros.ACTIONS.values()
    assert re.findall(r"RunPython \w+", sources_vba()) == ["RunPython commande"]  # dans Lancer


def procedures(source: str) -> dict[str, str]:
    """Chaque Sub ou Function d'un module VBA : son nom et son corps."""
    return {
        m["nom"]: m["corps"]
        for m in re.finditer(
            r"^(?:Public |Private )?(?:Sub|Function) (?P<nom>\w+)\("
            r"(?P<corps>.*?)^End (?:Sub|Function)",
            source.replace("\r\n", "\n"),
            re.MULTILINE | re.DOTALL,
        )
    }


def test_aucun_rappel_ni_macro_ne_porte_le_nom_d_un_module():
    """Excel refuse de lancer une macro qui porte le nom de son module (ou d'un autre module),
    avec un message qui ressemble à « macros désactivées » : le bouton ne ferait rien."""
    modules = projet_vba.modules_vba()
    noms_modules = {m.nom.lower() for m in modules} | {"thisworkbook"}
    noms_modules |= {f"sheet{i}" for i in range(1, len(contrat.FEUILLES) + 1)}
    rappels = {b.get("onAction") for b in ruban().iter(f"{{{paquet.ESPACE_RUBAN}}}button")}
    assert not {r for r in rappels if r.lower() in noms_modules}
    for module in modules:
        communs = {p for p in procedures(module.source) if p.lower() in noms_modules}
        assert not communs, f"module {module.nom} : {communs} porte le nom d'un module"
    assert "iae_diagnosticposte" in noms_modules and "IAE_Diagnostic" in rappels


def test_chaque_bouton_traduit_ses_erreurs_vba_en_francais():
    """Une DLL bloquée ou un Python absent ne montre jamais l'erreur de VBA en anglais et son
    bouton « Débogage » : chaque rappel passe par un gestionnaire d'erreurs qui dit quoi faire."""
    toutes = {}
    for chemin in sorted((XL / "vba").glob("*.bas")):
        toutes |= procedures(chemin.read_text("utf-8"))
    for bouton in ruban().iter(f"{{{paquet.ESPACE_RUBAN}}}button"):
        corps = toutes[bouton.get("onAction")]
        assert re.search(r"^\s*Lancer \"", corps, re.MULTILINE) or (
            "On Error GoTo Echec" in corps and "IAE_SignalerErreur" in corps
        ), bouton.get("onAction")
    lancer = toutes["Lancer"]
    assert lancer.index("On Error GoTo Echec") < lancer.index("RunPython commande")
    assert "IAE_SignalerErreur action, Err.Number, Err.Description" in lancer
    signaler = toutes["IAE_SignalerErreur"]
    for attendu in ("Case 1, 48, 53", "Case 1000", "Cliquez sur « Diagnostic »", "MsgBox"):
        assert attendu in signaler, attendu
    assert 'Worksheets("Journal")' in signaler
    assert "On Error Resume Next" in projet_vba.corps_du_classeur()  # Workbook_Open


def test_module_udfs_genere_une_fonction_par_udf_sans_mot_reserve():
    vba = projet_vba.module_udfs()
    fonctions = dict(re.findall(r"^Function (\w+)\(([^)]*)\)", vba, re.MULTILINE))
    assert set(fonctions) == {
        "IAE_PUBLICS",
        "IAE_EFFORT",
        "IAE_RESULTATS",
        "MODULATION",
        "MONTANT_SOCLE",
        "MONTANT_MODULE",
        "MODULATION_TABLEAU",
    }
    reserves = {"date", "type", "name", "string", "error", "end", "function", "sub", "property"}
    for arguments in fonctions.values():
        noms = {a.split()[-1].lower() for a in arguments.split(",")}
        assert not noms & reserves
    assert 'XLPy.CallUDF("iae_modulation.excel.udfs", "MODULATION_TABLEAU"' in vba
    assert "\r\n" in vba and "\n" not in vba.replace("\r\n", "")


# Icônes d'Excel vérifiées dans la liste des contrôles d'Excel 2013 et de Microsoft 365
# (excelcontrols.xlsx, github.com/OfficeDev/office-fluent-ui-command-identifiers) : une icône
# d'une autre application (MailMergeStartLetters est celle de Word) peut manquer dans Excel.
ICONES_EXCEL = {
    "DataValidation",
    "CalculateNow",
    "ChartTypeColumnInsertGallery",  # « Graphique en colonnes » (onglet Insertion d'Excel)
    "FileSaveAsPdfOrXps",
    "FileSendAsAttachment",
    "FileOpen",
    "Help",
    "ErrorChecking",
    "GetExternalDataFromText",  # Données > À partir du texte ; exemple des docs VBA d'Excel
}


def test_icones_du_ruban_prises_dans_excel():
    icones = {b.get("imageMso") for b in ruban().iter(f"{{{paquet.ESPACE_RUBAN}}}button")}
    assert icones <= ICONES_EXCEL


def test_bouton_diagnostic_sans_runpython():
    """Le diagnostic commence en VBA seul : il doit répondre même quand Python manque."""
    (bouton,) = [
        b
        for b in ruban().iter(f"{{{paquet.ESPACE_RUBAN}}}button")
        if b.get("label") == "Diagnostic"
    ]
    diagnostic = (XL / "vba" / "IAE_DiagnosticPoste.bas").read_text("utf-8")
    assert f"Public Sub {bouton.get('onAction')}(control As Object)" in diagnostic
    assert "RunPython" not in diagnostic
    avant_python = diagnostic[: diagnostic.index("XLPy.")]
    for controle in ("FileExists(interpreteur)", "CheminDLL(interpreteur)", "PythonDeBase("):
        assert controle in avant_python
    assert 'Worksheets("Journal")' in diagnostic
    # pyvenv.cfg est en UTF-8 : un profil « C:\Users\Hélène Dupont » doit y être lu tel quel
    lecture = procedures(diagnostic)["LireTexteUTF8"]
    assert 'CreateObject("ADODB.Stream")' in lecture and 'Charset = "utf-8"' in lecture
    assert "LireTexteUTF8(configuration)" in procedures(diagnostic)["PythonDeBase"]
    assert "For Input" not in diagnostic  # Open … For Input lit dans la page de code ANSI


def test_modulation_volatile_seulement_sans_date():
    vba = projet_vba.module_udfs().split("\r\n")
    volatiles = [i for i, ligne in enumerate(vba) if "Application.Volatile" in ligne]
    (position,) = volatiles
    assert (
        vba[position - 2].startswith("Function MODULATION(")
        and "Optional jour" in vba[position - 2]
    )
    assert vba[position - 1].startswith("Attribute MODULATION.VB_Description")
    assert vba[position].strip() == "If IsMissing(jour) Then Application.Volatile"


def test_fonctions_decrites_a_l_ouverture_pour_l_assistant():
    """Catégorie « IAE », description et aide de chaque argument, par Application.MacroOptions
    (ce que « Import Functions » d'xlwings ferait), appelé par Workbook_Open."""
    descriptions = projet_vba.module_descriptions()
    fonctions = re.findall(r"^Function (\w+)\(", projet_vba.module_udfs(), re.MULTILINE)
    decrites = re.findall(r'^    Decrire "(\w+)", "IAE", ', descriptions, re.MULTILINE)
    assert sorted(decrites) == sorted(fonctions)
    bloc = descriptions[descriptions.index('Decrire "MODULATION"') :]
    bloc = bloc[: bloc.index("\r\n    Decrire") if "\r\n    Decrire" in bloc else None]
    assert "Taux de modulation d'une structure comparée à son groupe (note 2014-04)" in bloc
    assert "« rang » (par défaut) ou « minmax »" in bloc
    assert bloc.count('\r\n        "') == 9  # une aide par argument
    assert "ArgumentDescriptions:=arguments" in descriptions
    assert "ThisWorkbook.Saved = enregistre" in descriptions


def test_descriptions_ecrites_dans_le_projet_et_macrooptions_si_non_signe():
    """La description de chaque fonction est un attribut VB_Description, écrit à la construction
    juste sous sa déclaration ; MacroOptions (catégorie « IAE », aide des arguments), qui
    modifie le projet VBA, n'est appelé que si le projet n'est pas signé."""
    lignes = projet_vba.module_udfs().split("\r\n")
    fonctions = [i for i, ligne in enumerate(lignes) if ligne.startswith("Function ")]
    assert len(fonctions) == 7
    for position in fonctions:
        nom = lignes[position].split()[1].split("(")[0]
        assert lignes[position + 1].startswith(f'Attribute {nom}.VB_Description = "'), nom
    assert (
        "Attribute MODULATION.VB_Description = \"Taux de modulation d'une structure comparée à "
        "son groupe (note 2014-04), de 0 au plafond de la date"
    ) in projet_vba.module_udfs()
    corps = projet_vba.corps_du_classeur()
    assert re.search(
        r"Private Sub Workbook_Open\(\)\r\n.*\r\n"
        r"    If Not ThisWorkbook\.VBASigned Then IAE_DecrireLesFonctions\r\nEnd Sub",
        corps,
    )
