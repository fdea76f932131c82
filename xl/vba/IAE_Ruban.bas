Attribute VB_Name = "IAE_Ruban"
' Rappels du ruban « IAE Modulation » (customUI14.xml).
' Chaque bouton appelle l'action Python du même nom dans iae_modulation.excel.macros,
' la même que « iae-modulation classeur executer ACTION CLASSEUR.xlsm » sous Linux.
' Le paramètre « control As Object » évite une référence à la bibliothèque Office.
' Aucune Sub ne porte le nom d'un module : Excel refuserait de la lancer depuis le ruban.
Option Explicit

Public Sub IAE_ImporterDonneesASP(control As Object)
    Lancer "Importer les données ASP", "import iae_modulation.excel.macros as m; m.importer_donnees_asp()"
End Sub

Public Sub IAE_VerifierDonnees(control As Object)
    Lancer "Vérifier les données", "import iae_modulation.excel.macros as m; m.verifier_donnees()"
End Sub

Public Sub IAE_CalculerModulation(control As Object)
    Lancer "Calculer la modulation", "import iae_modulation.excel.macros as m; m.calculer_modulation()"
End Sub

Public Sub IAE_ComparerMethodes(control As Object)
    Lancer "Comparer des méthodes", "import iae_modulation.excel.macros as m; m.comparer_methodes()"
End Sub

Public Sub IAE_GenererDecisionASP(control As Object)
    Lancer "Générer décision ASP", "import iae_modulation.excel.macros as m; m.generer_decision_asp()"
End Sub

Public Sub IAE_GenererNotifications(control As Object)
    Lancer "Générer les notifications", "import iae_modulation.excel.macros as m; m.generer_notifications()"
End Sub

Public Sub IAE_OuvrirDossierSortie(control As Object)
    Lancer "Ouvrir le dossier de sortie", "import iae_modulation.excel.macros as m; m.ouvrir_dossier_sortie()"
End Sub

' L'aide ne passe pas par Python : elle doit s'afficher même si Python n'est pas encore installé.
Public Sub IAE_Aide(control As Object)
    On Error GoTo Echec
    ThisWorkbook.Worksheets("Accueil").Visible = -1 ' xlSheetVisible
    ThisWorkbook.Worksheets("Accueil").Activate
    Exit Sub
Echec:
    IAE_SignalerErreur "Mode d'emploi", Err.Number, Err.Description
End Sub

' Lance l'action Python (qui écrit elle-même son résultat dans le journal). Une erreur avant
' Python (DLL d'xlwings bloquée ou absente, Python introuvable) devient un message en français
' qui dit quoi faire, jamais la fenêtre d'erreur de VBA et son bouton « Débogage ».
Private Sub Lancer(action As String, commande As String)
    On Error GoTo Echec
    RunPython commande
    Exit Sub
Echec:
    IAE_SignalerErreur action, Err.Number, Err.Description
End Sub

' Le message d'une erreur VBA, en français, avec ce qu'il faut faire ; noté aussi dans le journal.
Public Sub IAE_SignalerErreur(action As String, numero As Long, description As String)
    Dim cause As String, conseil As String, journal As Object, ligne As Long
    Select Case numero
        Case 1, 48, 53 ' XLPyLoadDLL du module xlwings (1), Declare sans sa DLL (48, 53)
            cause = "la bibliothèque d'xlwings (DLL) n'a pas pu être chargée"
            conseil = "L'outil n'est pas installé sur ce poste, ou une règle de sécurité " & _
                "(AppLocker, App Control, Microsoft Defender) bloque sa DLL."
        Case 1000 ' XLPy du module xlwings : le serveur Python n'a pas démarré
            cause = "Python n'a pas pu être démarré (" & _
                Trim$(Split(Replace(description, vbCr, vbLf) & vbLf, vbLf)(0)) & ")"
            conseil = "Une règle de sécurité du poste (Microsoft Defender : « processus " & _
                "enfants » des applications Office ; AppLocker) bloque probablement Python."
        Case Else
            cause = "erreur " & numero & " : " & description
            conseil = ""
    End Select
    conseil = conseil & IIf(conseil = "", "", " ") & "Cliquez sur « Diagnostic » (onglet " & _
        "IAE Modulation, groupe Aide) : il dit ce qui manque et quoi faire. Si cela continue, " & _
        "transmettez ce message à votre correspondant informatique (guide docs/deploiement.md)."
    On Error Resume Next
    Set journal = ThisWorkbook.Worksheets("Journal")
    ligne = journal.Cells(journal.Rows.Count, 1).End(-4162).Row + 1 ' -4162 : xlUp
    journal.Cells(ligne, 1).Value = Format(Now, "yyyy-mm-dd hh:nn:ss")
    journal.Cells(ligne, 2).Value = action
    journal.Cells(ligne, 5).Value = "échec : " & cause & " (" & numero & " : " & description & ")"
    On Error GoTo 0
    MsgBox "« " & action & " » n'a pas abouti : " & cause & "." & vbLf & vbLf & conseil, _
        vbExclamation, "IAE Modulation"
End Sub
